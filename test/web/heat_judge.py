#!/usr/bin/python3
"""heat_judge.py: Heat's own verdicts for the launch form and resource graph tests, offline.

Reads JSON lines on stdin, writes one JSON line per input line:
  {"mode": "value", "schema": {...}, "raw": "text" | null}
      -> {"ok": bool, "error": str}   the parameter given `raw` as `openstack stack create
         --parameter name=raw` gives it (null: not given), validated as stack create does
  {"mode": "params", "template": "HOT text", "params": {name: text}}
  {"mode": "env", "template": "HOT text", "env": "environment file text"}
      -> {"ok": bool, "error": str, "values": {name: value}}   every parameter's value after validation
  {"mode": "deps", "template": "HOT text"}
      -> {"ok": bool, "error": str, "edges": [[from, to], ...], "resources": [...]}   each resource
         definition's required_resource_names() (depends_on, get_resource and get_attr in properties
         and metadata); when the stack's resources build offline, also "stack_edges" (Stack.dependencies,
         with the implicit ones of Resource.add_dependencies) and "types" (name -> type)
Uses the repository's Heat oracle (test/heat/oracle) for Heat's set-up and offline stubs:
custom constraints are treated as satisfied there, as the launch form does.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'heat', 'oracle'))
import heat_oracle  # noqa: E402

heat_oracle.setup()
from heat.common import environment_format, exception, template_format  # noqa: E402
from heat.engine import environment, resources, stack as stack_mod, template  # noqa: E402

CTX = heat_oracle._state['ctx']


def value_case(case):
    tmpl = {'heat_template_version': '2021-04-16', 'parameters': {'p': case['schema']}}
    user = {} if case['raw'] is None else {'p': case['raw']}
    t = template.Template(tmpl, env=environment.Environment({'parameters': user}))
    params = t.parameters(None, user)
    params.validate(validate_value=True, context=CTX)
    return {}


def values_of(text, env):
    t = template.Template(template_format.parse(text), env=env)
    params = t.parameters(None, env.params)
    params.validate(validate_value=True, context=CTX)
    # repr keeps the types (1 and 1.0, 'True' and True) and NaN, which JSON would lose
    return {'values': {k: repr(params[k]) for k in params if not k.startswith('OS::')}}


def known_type(name):
    try:
        resources.global_env().get_class(name)
        return True
    except Exception:
        return False


def deps_case(text):
    # types Heat cannot resolve offline (nested files, TripleO aliases) stand in as the oracle's
    # Opaque type: the dependencies come from the definitions, whatever the type
    parsed = template_format.parse(text)
    types = {r.get('type') for r in (parsed.get('resources') or {}).values() if isinstance(r, dict)}
    registry = {ty: heat_oracle.OPAQUE for ty in types if isinstance(ty, str) and not known_type(ty)}
    # conditions and resource names may read parameters: a placeholder for each one without a default
    placeholder = {'number': 0, 'boolean': False, 'json': {}}
    params = {name: placeholder.get(p.get('type'), 'x') for name, p in (parsed.get('parameters') or {}).items()
              if isinstance(p, dict) and p.get('default') is None}
    t = template.Template(parsed, env=environment.Environment({'resource_registry': registry, 'parameters': params}))
    stk = stack_mod.Stack(CTX, 'judge', t)
    defs = t.resource_definitions(stk)
    edges = sorted({(name, dep) for name, d in defs.items() for dep in d.required_resource_names()})
    out = {'edges': edges, 'resources': sorted(defs)}
    try:
        # the whole graph, with the type-specific implicit dependencies (Resource.add_dependencies)
        graph = stk.dependencies.graph()
        out['stack_edges'] = sorted({(r.name, d.name) for r, ds in graph.items() for d in ds})
        out['types'] = {name: stk[name].type() for name in defs}
    except Exception:  # a resource that needs the cloud to be built: the explicit edges only
        pass
    return out


def judge(case):
    mode = case['mode']
    if mode == 'value':
        return value_case(case)
    if mode == 'params':
        return values_of(case['template'], environment.Environment({'parameters': case['params']}))
    if mode == 'env':
        return values_of(case['template'], environment.Environment(environment_format.parse(case['env'])))
    return deps_case(case['template'])


for line in sys.stdin:
    if not line.strip():
        continue
    try:
        out = dict(ok=True, error='', **judge(json.loads(line)))
    except Exception as e:  # any refusal of Heat's, whatever its class
        out = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    print(json.dumps(out, default=str), flush=True)
