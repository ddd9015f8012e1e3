"""Sales enrichment and every branch of the final-funnel rule (docs/rules.md#final-funnel)."""

from __future__ import annotations

import pandas as pd
import pytest

from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL as MISC
from funnel_assets.lib.funnel_mapping import clean_funnel_mapping
from funnel_assets.lib.sales import enrich_sales, final_funnel, list_sales_to_map

MAPPING = clean_funnel_mapping(
    pd.DataFrame({"source": ["ACCA_Webinar_Meta", "Referral"], "funnel": ["ACCA Webinar", "Referral"]})
)


@pytest.mark.parametrize(
    "funnel, manual, expected",
    [
        (MISC, "acca_webinar_meta ", "ACCA Webinar"),  # Miscellaneous, manual source maps: its funnel
        (MISC, "Unknown_Source", MISC),  # Miscellaneous, manual source unmapped: stays (IFNA)
        (MISC, None, MISC),  # Miscellaneous, nothing entered
        (f"  {MISC} ", "Referral", "Referral"),  # TRIM before the comparison
        ("CFA Webinar", "Referral", "Referral"),  # not Miscellaneous, manual entered: it wins as entered
        ("CFA Webinar", "ACCA Webinar", "ACCA Webinar"),
        ("CFA Webinar", None, "CFA Webinar"),  # not Miscellaneous, nothing entered: funnel stays
        ("CFA Webinar", "", "CFA Webinar"),
    ],
)
def test_final_funnel_follows_the_formula(funnel, manual, expected):
    result = final_funnel(pd.Series([funnel], dtype=object), pd.Series([manual], dtype=object), MAPPING)
    assert result.tolist() == [expected]


def crm_sales(**overrides) -> pd.DataFrame:
    base = {
        "_id": ["s1", "s2", "s3"],
        "StudentContact": ["+91 98765-43210", "", "9000000001"],
        "assignedLeadSources": ["ACCA_Webinar_Meta", "Diwali", "whatsapp"],
        "netAmount": ["1,000.50", "₹2,000", ""],
        "createdOn": ["2025-09-30T19:00:00.000Z", "2025-10-01 10:00:00", ""],
        "StudentName": ["Asha", "Ravi", "Neha"],
        "Funnel": ["ACCA Webinar", "CFA Webinar", "CMA Webinar"],
    }
    base.update(overrides)
    return pd.DataFrame(base, dtype=object)


def test_enrich_keeps_every_column_and_adds_the_product_ones():
    manual = pd.DataFrame({"sale_id": ["s2", " s3 ", ""], "manual_source": ["Referral", "Mystery", "x"]})
    sales, report = enrich_sales(crm_sales(), MAPPING, manual, pd.Series(["9876543210"]), source="CRM sales dump")
    assert list(sales.columns[:7]) == [
        "id",
        "student_contact",
        "assigned_lead_sources",
        "net_amount",
        "created_on",
        "student_name",
        "crm_funnel",
    ]
    assert sales["phone"].tolist()[0] == "9876543210" and pd.isna(sales["phone"].iloc[1])
    assert sales["net_amount"].tolist()[:2] == [1000.5, 2000.0]
    assert sales["created_on"].iloc[0] == pd.Timestamp("2025-10-01 00:30", tz="Asia/Kolkata")
    assert sales["funnel"].tolist() == ["ACCA Webinar", MISC, MISC]
    assert sales["manual_source"].tolist()[1:] == ["Referral", "Mystery"]
    assert sales["final_funnel"].tolist() == ["ACCA Webinar", "Referral", MISC]
    assert sales["attended"].tolist() == [True, False, False]
    assert (report.without_phone, report.miscellaneous, report.manually_mapped) == (1, 1, 2)

    worklist = list_sales_to_map(sales)
    assert worklist[["sale_id", "why"]].values.tolist() == [["s3", "manual source not in funnel_mapping.csv"]]


def test_schema_drift_new_and_renamed_case_columns_kept_missing_ones_named():
    drifted = (
        crm_sales()
        .rename(columns={"StudentContact": "studentcontact", "netAmount": "NETAMOUNT"})
        .assign(couponCode=["A", "", ""])
    )
    sales, report = enrich_sales(
        drifted,
        MAPPING,
        pd.DataFrame(columns=["sale_id", "manual_source"]),
        pd.Series(dtype=object),
        source="CRM sales dump",
    )
    assert sales["phone"].iloc[0] == "9876543210" and sales["net_amount"].iloc[0] == 1000.5
    assert report.new_columns == ("couponCode",) and sales["coupon_code"].iloc[0] == "A"
    with pytest.raises(MissingColumnsError, match="missing the column\\(s\\) StudentContact"):
        enrich_sales(
            crm_sales().drop(columns="StudentContact"),
            MAPPING,
            pd.DataFrame(columns=["sale_id", "manual_source"]),
            pd.Series(dtype=object),
            source="CRM sales dump",
        )
