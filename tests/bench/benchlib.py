"""Helpers for the benchmarks: Odoo bootstrap outside pytest, timing, percentiles, the
specifications the web client sends for a view, the domains its search view builds.

Every benchmark reports its figures next to a baseline measured in the same run (the
machine is shared and noisy: a ratio says more than an absolute time).
"""
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bootstrap_odoo(dbname, extra_args=()):
    """Parse Odoo's configuration for a script run (not needed under pytest-odoo)."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    # a source checkout keeps web, mail, ... in <root>/addons, next to the odoo package
    odoo_addons = os.path.join(os.path.dirname(os.path.abspath(odoo.__path__[0])), 'addons')
    addons = [path for path in (odoo_addons, os.path.join(REPO_ROOT, 'addons')) if os.path.isdir(path)]
    args = [f'--addons-path={",".join(addons)}', '-d', dbname, '--no-http']
    if os.environ.get('ODOO_RC'):
        args += ['-c', os.environ['ODOO_RC']]
    for option, variable in (('db_host', 'PGHOST'), ('db_port', 'PGPORT'), ('db_user', 'PGUSER'),
                             ('db_password', 'PGPASSWORD')):
        if os.environ.get(variable):
            args.append(f'--{option}={os.environ[variable]}')
    config.parse_config(args + list(extra_args), setup_logging=True)


class Timer:
    """Collects durations (seconds) of named measures."""

    def __init__(self):
        self.samples = {}

    def measure(self, name, function, repeat=1, warmup=0, before=None):
        """Run ``function`` ``warmup`` + ``repeat`` times, keep the last ``repeat`` durations."""
        result = None
        for index in range(warmup + repeat):
            if before:
                before()
            started = time.perf_counter()
            result = function()
            elapsed = time.perf_counter() - started
            if index >= warmup:
                self.samples.setdefault(name, []).append(elapsed)
        return result

    def add(self, name, seconds):
        self.samples.setdefault(name, []).append(seconds)

    def p(self, name, q):
        values = sorted(self.samples[name])
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method='inclusive')[q - 1]

    def total(self, name):
        return sum(self.samples[name])


def fmt_ms(seconds):
    return f"{seconds * 1000:8.1f} ms"


def fmt_s(seconds):
    return f"{seconds:8.2f} s "


class Report:
    """Lines of a benchmark report: figure, baseline, ratio, target verdict."""

    def __init__(self, title):
        self.title = title
        self.rows = []
        self.notes = []
        self.missed = []

    def row(self, label, value, baseline=None, target=None, unit='ms'):
        fmt = fmt_ms if unit == 'ms' else fmt_s
        ratio = f"x{value / baseline:8.1f}" if baseline else " " * 9
        verdict = ''
        if target is not None:
            verdict = 'ok' if value <= target else f'MISSED (target {fmt(target).strip()})'
            if value > target:
                self.missed.append(label)
        self.rows.append(f"  {label:<58} {fmt(value)}  {ratio}  {verdict}")

    def note(self, text):
        self.notes.append(f"  {text}")

    def text(self):
        return "\n".join([f"== {self.title}", *self.rows, *self.notes])

    def print(self, stream=None):
        print(self.text(), file=stream or sys.stdout, flush=True)  # noqa: T201


def view_specification(env, model_name, view_type):
    """The field specification the web client sends for ``view_type`` (web_search_read / web_read)."""
    from lxml import etree  # noqa: PLC0415

    model = env[model_name]
    views = model.get_views([(False, view_type)])
    arch = etree.fromstring(views['views'][view_type]['arch'])

    def walk(node, comodel):
        spec = {}
        for child in node.iterchildren():
            if not isinstance(child.tag, str):
                continue
            if child.tag == 'field':
                name = child.get('name')
                field = comodel._fields.get(name)
                if field is None:
                    continue
                sub = {}
                if field.type == 'many2one':
                    sub = {'fields': {'display_name': {}}}
                elif field.type in ('one2many', 'many2many'):
                    subview = next((c for c in child.iterchildren() if c.tag in ('list', 'kanban')), None)
                    target = env[field.comodel_name]
                    sub = {'fields': walk(subview, target) if subview is not None else {'display_name': {}}}
                    if field.type == 'one2many':
                        sub['limit'] = 40
                spec[name] = sub
            else:
                spec.update(walk(child, comodel))
        return spec

    spec = walk(arch, model)
    spec.setdefault('display_name', {})
    return spec


def search_view_domain(env, model_name, field_name, term):
    """The domain the search view builds when the user types ``term`` and picks ``field_name``
    (``name`` or ``name:label`` when the view has several fields of that name)."""
    from lxml import etree  # noqa: PLC0415
    from odoo.tools.safe_eval import safe_eval  # noqa: PLC0415

    field_name, _sep, label = field_name.partition(':')
    views = env[model_name].get_views([(False, 'search')])
    arch = etree.fromstring(views['views']['search']['arch'])
    for node in arch.iter('field'):
        if node.get('name') == field_name and (not label or node.get('string') == label):
            if node.get('filter_domain'):
                return safe_eval(node.get('filter_domain'), {'self': term})
            return [(field_name, node.get('operator') or 'ilike', term)]
    raise KeyError(f"no field {field_name} in the search view of {model_name}")
