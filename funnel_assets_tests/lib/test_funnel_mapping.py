import pandas as pd
import pytest

from funnel_assets.lib.funnel_mapping import MappingError, clean_funnel_mapping, map_funnel
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL


def mapping(rows):
    return clean_funnel_mapping(pd.DataFrame(rows, columns=["source", "funnel", "deprecated"]))


def test_matching_ignores_case_and_spaces_and_unmapped_falls_to_miscellaneous():
    table = mapping([["ACCA_Webinar_Meta", "ACCA Webinar", ""], ["ACCA_FinProClub", "ACCA Webinar", "yes"]])
    funnels = map_funnel(pd.Series(["  acca_webinar_META ", "ACCA_FinProClub", "walk-in", "", None]), table)
    assert funnels.tolist() == ["ACCA Webinar", "ACCA Webinar", MISCELLANEOUS_FUNNEL, MISCELLANEOUS_FUNNEL, MISCELLANEOUS_FUNNEL]


def test_deprecated_flag_is_read_and_still_maps():
    table = mapping([["ACCA_Influencer", "ACCA Webinar", "Yes"], ["CFA_Webinar_Meta", "CFA Webinar", ""]])
    assert table.set_index("source")["deprecated"].to_dict() == {"ACCA_Influencer": True, "CFA_Webinar_Meta": False}


def test_headers_as_a_spreadsheet_saves_them_and_blank_rows():
    raw = pd.DataFrame({" Source ": ["X", "", "X"], "FUNNEL": ["F", "", "F"]})
    table = clean_funnel_mapping(raw)
    assert table[["source", "funnel"]].values.tolist() == [["X", "F"]]


def test_a_source_with_two_funnels_is_named_in_the_error():
    with pytest.raises(MappingError, match="Webinar_X"):
        mapping([["Webinar_X", "A", ""], ["webinar_x ", "B", ""]])


def test_a_source_without_funnel_is_named_in_the_error():
    with pytest.raises(MappingError, match="no funnel: Lonely"):
        mapping([["Lonely", "", ""]])


def test_missing_header_is_explained():
    with pytest.raises(MappingError, match="needs the columns 'source' and 'funnel'"):
        clean_funnel_mapping(pd.DataFrame({"src": ["a"], "funnel": ["b"]}))
