"""The asset sets the tests run."""

from funnel_assets.defs.sales.assets import assigned_leads_monthly, crm_assigned_leads, sales, sales_to_map

CRM_ASSIGNMENTS = [crm_assigned_leads, assigned_leads_monthly]
PART2 = [crm_assigned_leads, assigned_leads_monthly, sales, sales_to_map]
