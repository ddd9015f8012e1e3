import pandas as pd
import pytest

from funnel_assets.lib.funnel_mapping import (
    MISCELLANEOUS_FUNNEL,
    MappingError,
    clean_funnel_mapping,
    map_funnel,
    respelled_funnels,
    spell_as_mapped,
)


def mapping(rows):
    return clean_funnel_mapping(pd.DataFrame(rows, columns=["source", "funnel", "deprecated"]))


def test_matching_ignores_case_and_spaces_and_unmapped_falls_to_miscellaneous():
    table = mapping([["ACCA_Webinar_Meta", "ACCA Webinar", ""], ["ACCA_FinProClub", "ACCA Webinar", "yes"]])
    funnels = map_funnel(pd.Series(["  acca_webinar_META ", "ACCA_FinProClub", "walk-in", "", None]), table)
    assert funnels.tolist() == [
        "ACCA Webinar",
        "ACCA Webinar",
        MISCELLANEOUS_FUNNEL,
        MISCELLANEOUS_FUNNEL,
        MISCELLANEOUS_FUNNEL,
    ]


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


def test_a_funnel_typed_in_another_case_or_spacing_is_never_a_new_funnel():
    # `ACCA webinar` beside `ACCA Webinar` split one funnel's leads 95 -> 67 + 28, without a word
    cleaned = mapping(
        [
            ["ACCA_Webinar_Meta", "ACCA Webinar", ""],
            ["ACCA_Webinar_Google", "ACCA Webinar", ""],
            ["ACCA_Webinar_YouTube", "ACCA webinar", ""],
            ["CFA_Webinar_Meta", "CFAWebinar", ""],
            ["CFA_Webinar_Google", "CFA Webinar", ""],
            ["CFA_L1_Google_Search", "CFA Webinar", ""],
            ["CFA_Webinar_YouTube", "CFA  Webinar", ""],
            ["Walk_in", "other sources (miscellaneous)", ""],
        ]
    )
    assert map_funnel(pd.Series(["ACCA_Webinar_YouTube", "CFA_Webinar_Meta", "Walk_in"]), cleaned).tolist() == [
        "ACCA Webinar",
        "CFA Webinar",
        MISCELLANEOUS_FUNNEL,
    ]
    assert set(cleaned["funnel"]) == {"ACCA Webinar", "CFA Webinar", MISCELLANEOUS_FUNNEL}
    assert respelled_funnels(cleaned) == {
        "ACCA webinar": "ACCA Webinar",
        "CFAWebinar": "CFA Webinar",
        "CFA  Webinar": "CFA Webinar",
        "other sources (miscellaneous)": MISCELLANEOUS_FUNNEL,
    }


def test_a_source_listed_twice_with_one_funnel_in_two_spellings_is_not_a_conflict():
    cleaned = mapping([["ACCA_Webinar_Meta", "ACCA Webinar", ""], ["acca_webinar_meta", "ACCA webinar", ""]])
    assert cleaned["funnel"].tolist() == ["ACCA Webinar"]


def test_funnels_spelled_alike_keep_their_spelling_and_no_warning():
    assert respelled_funnels(mapping([["a", "ACCA Webinar", ""], ["b", "CFA Webinar", ""]])) == {}


def test_funnels_named_elsewhere_take_the_mapping_spelling_so_spend_meets_leads():
    cleaned = mapping([["a", "ACCA Webinar", ""], ["b", "CFA Webinar", ""]])
    spelled, respelled = spell_as_mapped(
        pd.Series(["ACCA webinar", "CFA Webinar", "New Funnel", None, "ACCA  WEBINAR"]), cleaned
    )
    assert spelled.tolist() == ["ACCA Webinar", "CFA Webinar", "New Funnel", None, "ACCA Webinar"]
    assert respelled == {"ACCA webinar": "ACCA Webinar", "ACCA  WEBINAR": "ACCA Webinar"}
