"""Sales enrichment and every branch of the final-funnel rule (docs/rules.md#final-funnel)."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from funnel_assets.lib.columns import MissingColumnsError
from funnel_assets.lib.funnel_mapping import MISCELLANEOUS_FUNNEL as MISC
from funnel_assets.lib.funnel_mapping import clean_funnel_mapping
from funnel_assets.lib.sales import enrich_sales, final_funnel, list_sales_to_map

MAPPING = clean_funnel_mapping(
    pd.DataFrame({"source": ["ACCA_Webinar_Meta", "Referral"], "funnel": ["ACCA Webinar", "Referral"]})
)
NO_MANUAL = pl.DataFrame(schema={"sale_id": pl.String, "manual_source": pl.String})


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
    given = pl.DataFrame({"funnel": [funnel], "manual": [manual]}, schema={"funnel": pl.String, "manual": pl.String})
    result = given.select(final_funnel(pl.col("funnel"), pl.col("manual"), MAPPING)).to_series()
    assert result.to_list() == [expected]


def crm_sales(**overrides) -> pl.DataFrame:
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
    return pl.DataFrame(base)


def test_enrich_keeps_every_column_and_adds_the_product_ones():
    manual = pl.DataFrame({"sale_id": ["s2", " s3 ", ""], "manual_source": ["Referral", "Mystery", "x"]})
    sales, report = enrich_sales(crm_sales(), MAPPING, manual, pl.Series(["9876543210"]), source="CRM sales dump")
    assert list(sales.columns[:7]) == [
        "id",
        "student_contact",
        "assigned_lead_sources",
        "net_amount",
        "created_on",
        "student_name",
        "crm_funnel",
    ]
    assert sales["phone"].to_list()[0] == "9876543210" and pd.isna(sales["phone"][1])
    assert sales["net_amount"].to_list()[:2] == [1000.5, 2000.0]
    assert sales["created_on"][0] == pd.Timestamp("2025-10-01 00:30", tz="Asia/Kolkata")
    assert sales["funnel"].to_list() == ["ACCA Webinar", MISC, MISC]
    assert sales["manual_source"].to_list()[1:] == ["Referral", "Mystery"]
    assert sales["final_funnel"].to_list() == ["ACCA Webinar", "Referral", MISC]
    assert sales["attended"].to_list() == [True, False, False]
    assert (report.without_phone, report.miscellaneous, report.manually_mapped) == (1, 1, 2)

    worklist = list_sales_to_map(sales)
    assert [list(row) for row in worklist.select("sale_id", "why").rows()] == [
        ["s3", "manual source not in funnel_mapping.csv"]
    ]


def test_schema_drift_new_and_renamed_case_columns_kept_missing_ones_named():
    drifted = (
        crm_sales()
        .rename({"StudentContact": "studentcontact", "netAmount": "NETAMOUNT"})
        .with_columns(couponCode=pl.Series(["A", "", ""]))
    )
    sales, report = enrich_sales(
        drifted,
        MAPPING,
        NO_MANUAL,
        pl.Series(dtype=pl.String),
        source="CRM sales dump",
    )
    assert sales["phone"][0] == "9876543210" and sales["net_amount"][0] == 1000.5
    assert report.new_columns == ("couponCode",) and sales["coupon_code"][0] == "A"
    with pytest.raises(MissingColumnsError, match="missing the column\\(s\\) StudentContact"):
        enrich_sales(
            crm_sales().drop("StudentContact"),
            MAPPING,
            NO_MANUAL,
            pl.Series(dtype=pl.String),
            source="CRM sales dump",
        )
