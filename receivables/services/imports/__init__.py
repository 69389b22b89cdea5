"""Importing debtors, contracts, invoices and payments from CSV/XLSX, all or nothing."""

from receivables.services.imports.run import IMPORT_KINDS, ImportOutcome, ImportRefused, run_import

__all__ = ["IMPORT_KINDS", "ImportOutcome", "ImportRefused", "run_import"]
