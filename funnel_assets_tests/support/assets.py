"""The asset sets the tests run, with Part 1's table as a source where Part 2 reads it."""

import dagster as dg

from funnel_assets.defs.sales.assets import assigned_leads_monthly, crm_assigned_leads, sales, sales_to_map

# Part 2 reads `attended` from Part 1's table; run alone, it reads what the warehouse holds
PART1_PARTICIPANTS = dg.AssetSpec("event_participants")
CRM_ASSIGNMENTS = [crm_assigned_leads, assigned_leads_monthly, PART1_PARTICIPANTS]
PART2 = [crm_assigned_leads, assigned_leads_monthly, sales, sales_to_map, PART1_PARTICIPANTS]
