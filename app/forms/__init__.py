"""Flask-WTF and WTForms forms per area."""
