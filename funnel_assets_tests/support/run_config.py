"""A walk of a run-config schema: every field a run's config can set."""

from __future__ import annotations

from dagster._config import ConfigTypeKind

# A run-config shape that accepts keys nobody declared: only the lists of resources and of ops
# are like this (a key naming no resource or op reaches nothing).
OPEN_CONTAINERS = frozenset({"resources", "ops"})


def settable_fields(config_type, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every leaf a run's config can set under `config_type`: (path, kind). Shapes, selectors,
    lists, optional values, maps and a scalar-or-{env: ...} union are walked through."""
    kind = config_type.kind
    if kind in (ConfigTypeKind.STRICT_SHAPE, ConfigTypeKind.PERMISSIVE_SHAPE, ConfigTypeKind.SELECTOR):
        found = []
        if kind == ConfigTypeKind.PERMISSIVE_SHAPE and path[-1:] and path[-1] not in OPEN_CONTAINERS:
            found.append((path + ("*",), "any key"))
        for name, field in config_type.fields.items():
            found += settable_fields(field.config_type, path + (name,))
        return found
    if kind in (ConfigTypeKind.ARRAY, ConfigTypeKind.NONEABLE, ConfigTypeKind.MAP):
        return settable_fields(config_type.inner_type, path)
    if kind == ConfigTypeKind.SCALAR_UNION:
        # `value` or `{env: NAME}`: the same field either way
        return settable_fields(config_type.scalar_type, path)
    return [(path, kind.value)]
