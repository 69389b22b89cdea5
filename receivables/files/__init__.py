"""Spreadsheet files in and out: CSV/XLSX reading with zh/en headers, and XLSX export."""
