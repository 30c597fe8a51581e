"""pytest configuration for the whole repository (addons/*/tests and tests/).

pytest-odoo (https://github.com/camptocamp/pytest-odoo) does the heavy lifting: it loads
Odoo's registry for --odoo-database, imports addon tests as odoo.addons.<addon>.tests.*, and
with --odoo-http starts Odoo's HTTP server for HttpCase. This file adds what a CI run of
this suite needs on top of it with Odoo 19:

* An ERROR or CRITICAL log record emitted while a test runs fails that test, as it does
  under Odoo's own test runner (pytest-odoo doesn't do this). Tours report browser console
  errors this way, so without it a broken tour could pass. Records silenced by
  odoo.tools.mute_logger or caught by assertLogs never reach the root logger and are not
  counted. Set ODOO_TEST_ALLOW_ERROR_LOGS=1 to turn this off.
* pytest-odoo starts the HTTP server on a random free port (so concurrent runs on one
  machine don't collide). ODOO_TEST_HTTP_PORT forces a given port (scripts/test.sh sets it
  from ODOO_HTTP_PORT when that is set).
* Odoo test classes outside an addon (tests/ at the root) get Odoo's default test tags;
  Odoo only gives them to classes in odoo.addons.*, and an untagged class elsewhere fails
  to instantiate ("object has no attribute 'test_tags'").
* `odoo_env` fixture for plain pytest functions (e.g. in tests/): an Environment as the
  superuser on the test database, rolled back afterwards.
"""
import logging
import os

import pytest

try:
    import pytest_odoo
except ImportError:  # pytest run without the plugin: nothing Odoo-specific to set up
    pytest_odoo = None


if pytest_odoo is not None and os.environ.get('ODOO_TEST_HTTP_PORT'):
    pytest_odoo._get_available_random_port = lambda: int(os.environ['ODOO_TEST_HTTP_PORT'])


def _default_test_tags_outside_addons():
    from odoo.tests.common import BaseCase

    original = BaseCase.__dict__['__init_subclass__'].__func__

    def __init_subclass__(cls, **kwargs):
        original(cls, **kwargs)
        if getattr(cls, 'test_tags', None) is None:
            cls.test_tags = {'standard', 'at_install'}

    BaseCase.__init_subclass__ = classmethod(__init_subclass__)


if pytest_odoo is not None:
    _default_test_tags_outside_addons()


class _ErrorLogCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _fail_on_error_logs(item, phase):
    if os.environ.get('ODOO_TEST_ALLOW_ERROR_LOGS') or not item.config.getoption('--odoo-database', None):
        return (yield)
    collector = _ErrorLogCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        result = yield
    finally:
        root.removeHandler(collector)
    if collector.records:
        lines = []
        for record in collector.records:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken format string must not hide the error
                message = str(record.msg)
            lines.append(f"{record.levelname} {record.name}: {message}")
        pytest.fail(f"error logged during test {phase}:\n" + "\n".join(lines), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _fail_on_error_logs(item, 'setup'))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _fail_on_error_logs(item, 'call'))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    return (yield from _fail_on_error_logs(item, 'teardown'))


@pytest.fixture
def odoo_env():
    """Superuser Environment on the test database; everything is rolled back afterwards."""
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tests.common import get_db_name

    registry = Registry(get_db_name())
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            yield env
        finally:
            cr.rollback()
