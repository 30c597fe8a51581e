# Cross-addon tests. Collected by pytest-odoo as the package `tests` (see conftest.py).
