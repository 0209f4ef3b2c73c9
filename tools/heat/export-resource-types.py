#!/usr/bin/python3
"""Export OpenStack Heat's resource type schemas to src/heat/resource-types.json.

usage: /usr/bin/python3 tools/heat/export-resource-types.py [--out PATH] [--heat-etc DIR]

Runs offline with Debian's python3-heat.  It boots Heat's own resource registry the way the
engine does (heat.engine.resources.initialise() + global_env(), with the global environment
Heat ships in /etc/heat/environment.d, a copy of which is in heat-etc/), and writes, for every
name in that registry (the same registry Heat uses to resolve a resource's `type:`):

  * plugin classes (OS::*, AWS::*, including HIDDEN / DEPRECATED / UNSUPPORTED ones): their
    properties_schema (as Heat's properties.Schema objects, see heat/engine/properties.py and
    constraints.py), attributes_schema + base_attributes_schema, support status, and the
    client-free translation rules (Replace / Delete / Add) that map deprecated properties;
  * provider templates mapped by the global environment (AWS::CloudWatch::Alarm,
    AWS::RDS::DBInstance -> file:///etc/heat/templates/*.yaml): "provider": file name, the
    template's parameters as properties (Properties.schema_from_params, as TemplateResource
    does), its outputs as attributes;
  * aliases of the global environment ("OS::Metering::Alarm": "OS::Aodh::Alarm"), and the
    glob "OS::Quantum*" -> "OS::Neutron*" expanded over the registered OS::Neutron::* names:
    "alias": target (resolve it to get the schema);
  * "hot": for every HOT version registered under the `heat.templates` entry points
    (heat_template_version.2013-05-23 ... .2021-04-16 and the release names newton ...
    wallaby), what its template class (heat/engine/hot/template.py) accepts: the intrinsic
    functions it parses ("ok" / "removed" / "invalid", and the function class of each), the
    functions of its condition parser, deletion policies, top-level sections, keys of a
    resource and of an output definition; a release name carries "aliasOf": the date.

The output is deterministic: sorted keys, no timestamps; the only version is Heat's.
"""
import argparse
import collections
import inspect
import json
import logging
import os
import re
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, 'src', 'heat', 'resource-types.json')
DEFAULT_HEAT_ETC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'heat', 'oracle', 'heat-etc')
PROVIDER_PREFIX = 'file:///etc/heat/templates/'


def boot(heat_etc):
    warnings.simplefilter('ignore')
    logging.disable(logging.CRITICAL)
    from oslo_config import cfg
    from heat.common import config  # noqa: F401  registers Heat's [DEFAULT] options
    cfg.CONF([], project='heat', default_config_files=[])
    cfg.CONF.set_override('environment_dir', os.path.join(heat_etc, 'environment.d'))
    # Only the plugins that ship with Heat: no site plugin directories.
    cfg.CONF.set_override('plugin_dirs', [])
    from heat.engine import resources
    resources.initialise()
    return resources.global_env()


def jsonable(v):
    try:
        json.dumps(v, sort_keys=True)
    except (TypeError, ValueError):
        return False
    return True


def num(v):
    # Heat stores Range/Length bounds as int or float; keep ints as ints.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def status_of(support_status):
    return support_status.status


def constraints_of(schema, out):
    from heat.engine import constraints as constr
    custom = []
    for c in schema.constraints:
        if isinstance(c, constr.AllowedValues):
            vals = list(c.allowed)
            if all(v is None or isinstance(v, (str, int, float, bool)) for v in vals):
                out.setdefault('allowed', []).extend(vals)
        elif isinstance(c, constr.Length):     # Length before Range: it is a subclass
            out['length'] = {k: num(v) for k, v in (('min', c.min), ('max', c.max))
                             if v is not None}
        elif isinstance(c, constr.Range):
            out['range'] = {k: num(v) for k, v in (('min', c.min), ('max', c.max))
                            if v is not None}
        elif isinstance(c, constr.Modulo):
            out['modulo'] = {'step': num(c.step), 'offset': num(c.offset)}
        elif isinstance(c, constr.AllowedPattern):
            out['pattern'] = c.pattern
        elif isinstance(c, constr.CustomConstraint):
            custom.append(c.name)
    if custom:
        out['custom'] = sorted(set(custom))


def prop_schema(raw):
    """One property schema, as heat.engine.properties.Property sees it."""
    from heat.engine import constraints as constr
    from heat.engine import properties
    s = properties.Schema.from_legacy(raw)
    out = {'type': s.type.lower()}
    if s.required:
        out['required'] = True
    if not s.implemented:
        out['implemented'] = False
    if s.default is not None and jsonable(s.default):
        out['default'] = s.default
    st = status_of(s.support_status)
    if st != 'SUPPORTED':
        out['status'] = st
    if getattr(s, 'allow_conversion', False):
        out['allowConversion'] = True
    constraints_of(s, out)
    if s.schema is not None:
        if isinstance(s.schema, constr.AnyIndexDict):
            out['schema'] = {'*': prop_schema(s.schema.value)}
        else:
            out['schema'] = {k: prop_schema(v) for k, v in s.schema.items()}
    return out


def attr_status(schema):
    st = status_of(schema.support_status)
    return st if st != 'SUPPORTED' else None


class _FakeClientPlugin(object):
    def __getattr__(self, name):
        return lambda *a, **kw: None


class _FakeClients(object):
    def client_plugin(self, name=None):
        return _FakeClientPlugin()

    def client(self, name=None, version=None):
        return None


class _FakeStack(object):
    clients = _FakeClients()
    context = None
    t = None


_FAKE_STACK = _FakeStack()   # Resource.stack is a weak reference: keep the object alive


SENTINEL = '\x00heater-export:'


def _placeholder(schema, name):
    """A truthy value of the property's type, recognisable in the rules it produces."""
    from heat.engine import properties
    t = properties.Schema.from_legacy(schema).type
    tag = SENTINEL + name
    return {'String': tag, 'Integer': 1, 'Number': 1, 'Boolean': True,
            'List': [tag], 'Map': {tag: tag}}.get(t, tag)


def _unsentinel(v):
    """Replace placeholders in a rule's value by {"$property": name}."""
    if isinstance(v, str) and v.startswith(SENTINEL):
        return {'$property': v[len(SENTINEL):]}
    if isinstance(v, list):
        return [_unsentinel(x) for x in v]
    if isinstance(v, dict):
        return {(k[len(SENTINEL):] if isinstance(k, str) and k.startswith(SENTINEL) else k):
                _unsentinel(x) for k, x in v.items()}
    return v


def _rules_for(cls, data):
    from heat.engine import properties, translation
    obj = object.__new__(cls)
    obj.stack = _FAKE_STACK
    obj.context = None
    obj.name = 'export'
    obj.t = None

    class _Lenient(properties.Properties):
        # translation_rules() may read a property (RBACPolicy reads object_type to pick
        # the entity of a RESOLVE rule): no value, no error.
        def __getitem__(self, key):
            try:
                return super(_Lenient, self).__getitem__(key)
            except ValueError:
                return None

    props = _Lenient(cls.properties_schema, data)
    obj.properties = props
    out = []
    for r in obj.translation_rules(props) or []:
        if r.rule == translation.TranslationRule.RESOLVE:
            continue
        d = {'rule': r.rule, 'path': '.'.join(r.translation_path)}
        if r.value_path is not None:
            d['valuePath'] = '.'.join(r.value_path)
        if r.value_name is not None:
            d['valueName'] = r.value_name
        if r.value is not None and jsonable(r.value):
            d['value'] = _unsentinel(r.value)
        if r.custom_value_path is not None:
            d['customValuePath'] = '.'.join(r.custom_value_path)
        out.append(d)
    return out


def translation_rules(cls):
    """The class's translation rules that need no client (Replace / Delete / Add).

    Heat calls Resource.translation_rules(properties) on each instance (Resource.reparse ->
    translate_properties).  The rules are computed here on a bare instance whose client
    plugins are stand-ins; RESOLVE rules (name -> id lookups through a client) are dropped:
    Heat skips them too when it validates (client_resolve=False).  Some rules exist only when
    a (deprecated) property is set (Router l3_agent_id, RandomString sequence): each
    top-level property is set alone to a placeholder, and a rule that appears only then is
    recorded with "ifSet": that property; a placeholder in its value is {"$property": name}.
    """
    from heat.engine import resource
    if cls.translation_rules is resource.Resource.translation_rules:
        return []
    key = lambda d: json.dumps(d, sort_keys=True)
    try:
        base = _rules_for(cls, {})
        seen = {key(d) for d in base}
        extra = []
        for name in sorted(cls.properties_schema):
            data = {name: _placeholder(cls.properties_schema[name], name)}
            for d in _rules_for(cls, data):
                if key(d) not in seen:
                    d = dict(d, ifSet=name)
                    if key(d) not in {key(x) for x in extra}:
                        extra.append(d)
    except Exception as exc:  # reported, never silently dropped
        sys.stderr.write('warning: %s.translation_rules: %s: %s\n'
                         % (cls.__name__, type(exc).__name__, exc))
        return [{'error': '%s: %s' % (type(exc).__name__, exc)}]
    return sorted(base, key=key) + sorted(extra, key=key)


def overrides(cls, name):
    from heat.engine import resource
    return getattr(cls, name) is not getattr(resource.Resource, name)


def class_entry(cls):
    from heat.engine import attributes
    from heat.engine.resources import template_resource
    entry = {'status': status_of(cls.support_status)}
    msg = cls.support_status.message
    if entry['status'] != 'SUPPORTED' and msg:
        entry['statusMessage'] = str(msg)
    entry['properties'] = {n: prop_schema(s) for n, s in cls.properties_schema.items()}

    attrs = dict(cls.attributes_schema)
    attrs.update(cls.base_attributes_schema)
    entry['attributes'] = sorted(attrs)
    hidden = {n: attr_status(attributes.Schema.from_attribute(s)) for n, s in attrs.items()}
    hidden = {n: st for n, st in hidden.items() if st}
    if hidden:
        entry['attributeStatus'] = hidden

    # At validation time (resource action INIT) Heat accepts get_attr of any attribute name
    # when the class overrides get_attribute or FnGetAtt (heat/engine/resource.py node_data:
    # `path[0] in self.attributes or type(self).get_attribute != Resource.get_attribute or
    # type(self).FnGetAtt != Resource.FnGetAtt`), and GetAttThenSelect.validate checks the
    # name against that set.
    is_template = issubclass(cls, template_resource.TemplateResource)
    entry['openAttributes'] = bool(overrides(cls, 'get_attribute') or overrides(cls, 'FnGetAtt')
                                   or is_template)
    # OS::Heat::None replaces its properties by an empty Properties in reparse(): any
    # property is accepted and none is checked.  TemplateResource computes its schema from
    # the nested template per instance.
    from heat.engine.resources.openstack.heat import none_resource
    entry['openProperties'] = bool(is_template or issubclass(cls, none_resource.NoneResource))
    from heat.engine.resources.openstack.heat import value
    if issubclass(cls, value.Value):
        # Value.reparse() replaces the schema of "value" per instance: required, of the type
        # that the "type" property names (no "type": Any).
        from heat.engine.hot import parameters as hot_param
        P = hot_param.HOTParamSchema
        entry['properties'][cls.VALUE]['typeFrom'] = {
            'property': cls.TYPE,
            'types': {P.STRING: 'string', P.NUMBER: 'number', P.LIST: 'list', P.MAP: 'map',
                      P.BOOLEAN: 'boolean'}}
    elif (overrides(cls, 'reparse') and not is_template
          and not issubclass(cls, none_resource.NoneResource)):
        sys.stderr.write('warning: %s overrides reparse(): its properties may be computed '
                         'per instance\n' % cls.__name__)
        entry['reparse'] = True
    rules = translation_rules(cls)
    if rules:
        entry['translations'] = rules
    entry['class'] = '%s.%s' % (cls.__module__, cls.__name__)
    return entry


def provider_entry(heat_etc, url, env):
    """A provider template of the global environment, as TemplateResource sees it."""
    from heat.common import template_format
    from heat.engine import properties, attributes, template
    fname = url[len(PROVIDER_PREFIX):] if url.startswith(PROVIDER_PREFIX) else url
    path = os.path.join(heat_etc, 'templates', os.path.basename(fname))
    with open(path) as f:
        data = f.read()
    tmpl = template.Template(template_format.parse(data))
    param_defaults = env.registry.param_defaults
    props = properties.Properties.schema_from_params(tmpl.param_schemata(param_defaults))
    attrs = attributes.Attributes.schema_from_outputs(tmpl[tmpl.OUTPUTS])
    from heat.engine import resource
    names = set(attrs) | set(resource.Resource.base_attributes_schema)
    return {
        'status': 'SUPPORTED',
        'provider': os.path.basename(fname),
        'providerUrl': url,
        'properties': {n: prop_schema(s) for n, s in props.items()},
        'attributes': sorted(names),
        # TemplateResource overrides get_attribute: get_attr names are not checked at
        # validation time (they are when the attribute is resolved after create).
        'openAttributes': True,
        'openProperties': False,
    }


def export(heat_etc):
    from heat.engine import environment
    import heat.version
    env = boot(heat_etc)
    reg = env.registry._registry
    types = {}
    globs = {}
    for name in sorted(reg):
        info = reg[name]
        if isinstance(info, dict):      # 'resources': per-resource-name overrides (empty)
            continue
        if isinstance(info, environment.GlobResourceInfo):
            globs[name] = info.value
        elif isinstance(info, environment.MapResourceInfo):
            types[name] = {'alias': info.value}
        elif isinstance(info, environment.TemplateResourceInfo):
            types[name] = provider_entry(heat_etc, info.template_name, env)
        elif isinstance(info, environment.ClassResourceInfo):
            types[name] = class_entry(info.value)
        else:
            raise SystemExit('unexpected registry entry %s: %r' % (name, info))

    # The globs, expanded over the registered names they can reach (Heat resolves
    # OS::Quantum::Net to OS::Neutron::Net through GlobResourceInfo).
    for pattern, target in sorted(globs.items()):
        if not (pattern.endswith('*') and target.endswith('*')):
            continue
        src, dst = pattern[:-1], target[:-1]
        for tname in sorted(types):
            if tname.startswith(dst) and 'alias' not in types[tname]:
                alias = src + tname[len(dst):]
                if alias not in reg:
                    types[alias] = {'alias': tname, 'glob': pattern}

    # Aliases carry a copy of what they resolve to (so that a reader that ignores "alias"
    # still gets the schema); one whose target Heat cannot resolve is left out of "types"
    # (Heat: "The Resource Type (X) could not be found.") and listed in "unresolvable".
    unresolvable = {}
    for name in sorted(types):
        e = types[name]
        if 'alias' not in e:
            continue
        target = resolve_alias(types, name)
        if target is None:
            unresolvable[name] = e['alias']
            del types[name]
        else:
            types[name] = dict(types[target], **e)
            types[name]['alias'] = target

    return {
        'heat': heat.version.version_info.release_string(),
        'hot': hot_versions(),
        'source': ('python3-heat (Debian %s): heat.engine.resources.global_env() after '
                   'resources.initialise(), with the global environment Heat ships as '
                   '/etc/heat/environment.d/default.yaml and its /etc/heat/templates providers '
                   '(read from a copy, --heat-etc); generated by '
                   'tools/heat/export-resource-types.py') % debian_version(),
        'globs': globs,
        'types': types,
        'unresolvable': unresolvable,
    }


HOT_VERSION_KEY = 'heat_template_version'
DATE_VERSION = re.compile(r'^\d{4}-\d{2}-\d{2}$')


def function_status(func):
    """How a template class's function table entry behaves when a template uses it.

    hot_funcs.Removed parses, but its validate() always raises InvalidTemplateVersion ("The
    function %s is not supported in this version of HOT."); function.Invalid raises ValueError
    ("The function "%s" is invalid in this context") as soon as it is constructed (parse time).
    Any other entry is a working function.
    """
    from heat.engine import function
    from heat.engine.hot import functions as hot_funcs
    if isinstance(func, type):
        if issubclass(func, hot_funcs.Removed) or func.validate is hot_funcs.Removed.validate:
            return 'removed'
        if issubclass(func, function.Invalid) or func.__init__ is function.Invalid.__init__:
            return 'invalid'
    return 'ok'


def function_class(func):
    # A class, or a factory function (cfn Ref returns a GetResource or a ParamRef).
    name = '%s.%s' % (func.__module__, func.__qualname__)
    return name if isinstance(func, type) else name + '()'


def hot_entry(cls, version):
    """What one HOT template class accepts, read from the class (and, for the condition
    parser, from an empty template of that class, which builds it in __init__)."""
    from heat.engine import template
    funcs = cls.functions
    entry = {
        'functions': {n: function_status(f) for n, f in funcs.items()},
        'functionClasses': {n: function_class(f) for n, f in funcs.items()},
        'deletionPolicies': sorted(cls.deletion_policies),
        'sections': sorted(cls.SECTIONS),
        'resourceKeys': sorted(cls._RESOURCE_KEYS),
        'outputKeys': sorted(cls.OUTPUT_KEYS),
    }
    # The parser of the "conditions" section and of resource/output "condition" keys
    # (Template.parse_condition) uses the template's _parser_condition_functions, built in
    # __init__: the class's condition_functions ("ok"), every other non-Removed function
    # replaced by function.Invalid, and (from 2016-10-14) the Removed ones kept.  Versions
    # without condition_functions have no conditions section and no "condition" keys: the
    # condition parser is unreachable from a template of theirs, so {}.
    tmpl = template.Template({HOT_VERSION_KEY: version})
    assert type(tmpl) is cls, (version, type(tmpl), cls)
    cond = tmpl._parser_condition_functions if cls.condition_functions else {}
    entry['conditionFunctions'] = {n: function_status(f) for n, f in cond.items()}
    entry['conditionFunctionClasses'] = {n: function_class(f) for n, f in cond.items()
                                         if n in cls.condition_functions}
    return entry


def hot_versions():
    """Every heat_template_version Heat registers (stevedore `heat.templates` entry points,
    as Template.__new__ loads them).  A version whose class is also registered under a date
    (the release names newton ... wallaby) is recorded with "aliasOf": that date."""
    from heat.engine import template
    mgr = template._get_template_extension_manager()
    classes = {}
    for name in sorted(mgr.names()):
        key, _, version = name.partition('.')
        if key == HOT_VERSION_KEY:
            classes[version] = mgr[name].plugin
    dates = {}
    for version, cls in sorted(classes.items()):
        if DATE_VERSION.match(version):
            if cls in dates:
                raise SystemExit('HOT class %s registered for both %s and %s'
                                 % (cls.__name__, dates[cls], version))
            dates[cls] = version
    out = {}
    for version, cls in sorted(classes.items()):
        out[version] = hot_entry(cls, version)
        if cls in dates and dates[cls] != version:
            out[version]['aliasOf'] = dates[cls]
        elif cls not in dates:
            sys.stderr.write('warning: HOT version %s (%s) has no date alias\n'
                             % (version, cls.__name__))
    return out


def resolve_alias(types, name):
    seen = set()
    while name in types and 'alias' in types[name]:
        if name in seen:
            return None
        seen.add(name)
        name = types[name]['alias']
    return name if name in types else None


def debian_version():
    try:
        import subprocess
        out = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'python3-heat'],
                             capture_output=True, text=True, timeout=30)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except Exception:
        pass
    return 'unknown'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=DEFAULT_OUT)
    ap.add_argument('--heat-etc', default=DEFAULT_HEAT_ETC,
                    help='directory with environment.d/ and templates/ (as /etc/heat)')
    args = ap.parse_args()
    data = export(args.heat_etc)
    text = json.dumps(data, sort_keys=True, separators=(',', ':'), ensure_ascii=False)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    n = len(data['types'])
    sys.stderr.write('wrote %s: %d types, %d bytes, Heat %s\n'
                     % (args.out, n, len(text) + 1, data['heat']))


if __name__ == '__main__':
    main()
