"""The monthly report: its view model and the files written from it (HTML, CSV, XLSX, JSON)."""
