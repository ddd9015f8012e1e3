"""The frame library a table's step shows in the UI (its kinds) is the one its function returns."""

from __future__ import annotations

import inspect
import typing

import pandas as pd
import polars as pl

from funnel_assets import catalogue
from funnel_assets.definitions import build_definitions
from funnel_assets.defs.table_assets import PANDAS, POLARS
from funnel_assets.settings import Settings

FRAME_OF = {POLARS: pl.DataFrame, PANDAS: pd.DataFrame}


def test_each_table_step_shows_the_engine_of_the_frame_it_returns():
    defs = build_definitions(Settings.from_env({}))
    tables = {t.name for t in catalogue.TABLES}
    checked = 0
    for asset in defs.resolve_all_asset_specs():
        if asset.key.to_user_string() not in tables:
            continue
        engines = set(asset.kinds) & set(FRAME_OF)
        assert len(engines) == 1, f"{asset.key.to_user_string()} shows {sorted(asset.kinds)}"
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if len(assets_def.keys) != 1 or assets_def.key.to_user_string() not in tables:
            continue
        compute = inspect.unwrap(assets_def.op.compute_fn.decorated_fn)
        returned = typing.get_type_hints(compute).get("return")
        if returned is None:
            continue
        (engine,) = set(assets_def.specs_by_key[assets_def.key].kinds) & set(FRAME_OF)
        assert returned is FRAME_OF[engine], f"{assets_def.key.to_user_string()} shows {engine}, returns {returned}"
        checked += 1
    assert checked >= 15
