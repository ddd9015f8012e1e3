"""Source files as the marketing sheet and the CRM give them."""

from __future__ import annotations

import pandas as pd

from tools.samples.generate import SALES_COLUMNS

SPEND_CSV = (
    "date_time,campaign,ad_group,impressions,clicks,cost,platform,Funnel\r\n"
    '2026-08-01,acca_aug,g1,"1,000",10,"₹1,234.50",meta,ACCA Webinar\r\n'
    "2026-08-01,acca_aug,g2,500,5,765.50,meta,ACCA Webinar\r\n"
    "2026-08-02,cfa_aug,g1,,,,google,CFA Webinar\r\n"
)


def assigned_csv(rows: int, extra_header: str = "", drop: str | None = None) -> str:
    header = ["sources", "assignOn", "leadMobile", "employee"]
    lines = [f"ACCA_Webinar_Meta,2025-10-{1 + i % 28:02d}T04:00:00Z,90000{i:05d},Asha" for i in range(rows)]
    if extra_header:
        header.append(extra_header)
        lines = [line + ",North" for line in lines]
    text = ",".join(header) + "\r\n" + "\r\n".join(lines) + "\r\n"
    if drop:
        frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str).drop(columns=drop)
        text = frame.to_csv(index=False)
    return text


def sales_csv() -> str:
    frame = pd.DataFrame(dict.fromkeys(SALES_COLUMNS, ""), index=range(3))
    frame["_id"] = ["s1", "s2", "s3"]
    frame["StudentContact"] = ["+91 90000-00001", "9000000002", ""]
    frame["assignedLeadSources"] = ["ACCA_Webinar_Meta", "Diwali", "ACCA_Webinar_Meta"]
    frame["netAmount"] = ["1,000", "2000", "3000"]
    frame["Funnel"] = "ACCA Webinar"
    return frame.to_csv(index=False)
