"""The CSV import wizard (contacts and events): file, preview, mapping, progress, report."""

from app.ui.imports.wizard import ImportWizard, open_import_wizard

__all__ = ["ImportWizard", "open_import_wizard"]
