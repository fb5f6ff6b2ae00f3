"""The service plans of the demo catalogue (`manage.py seed_demo`): the apps inside each demo product, with fixed
ids so that seeding again finds the same plans. The names follow Microsoft's; the ids are the demo's own."""

# name: (service_plan_id, friendly name)
PLANS = {
    "EXCHANGE_S_DESKLESS": ("dffc9a30-eed8-56d8-9a87-52aff2841a01", "Exchange Online Kiosk"),
    "EXCHANGE_S_STANDARD": ("5a8f85ee-8f5a-5911-b111-4c2783ef7c6a", "Exchange Online (Plan 1)"),
    "EXCHANGE_S_ENTERPRISE": ("2349873f-6a32-5d56-8cb3-e37b83dfffd7", "Exchange Online (Plan 2)"),
    "TEAMS1": ("9a620a33-183c-5797-b5f6-19e737d0b7d7", "Microsoft Teams"),
    "MCOEV": ("006481e1-9daf-5c22-a49c-bc34b90db811", "Teams Phone"),
    "SHAREPOINTDESKLESS": ("14832225-650c-5363-ab02-fd824514301b", "SharePoint Kiosk"),
    "SHAREPOINTSTANDARD": ("7fd7b237-1eed-5f9d-b300-e94e242830f6", "SharePoint (Plan 1)"),
    "SHAREPOINTENTERPRISE": ("0b2af2e8-b7df-501c-9db9-4de7d50fca5b", "SharePoint (Plan 2)"),
    "ONEDRIVE_PLAN_1": ("e1f3d874-bb1f-5b68-8d41-b2805283977f", "OneDrive storage (1 TB)"),
    "ONEDRIVE_PLAN_2": ("2230659d-1fe9-594f-81bc-aa911cac38e5", "OneDrive storage (5 TB)"),
    "SHAREPOINTWAC": ("cabfa369-2590-5e57-a4f1-52a817ced983", "Office for the web"),
    "OFFICESUBSCRIPTION": ("58940a5a-719a-5688-a722-c92b55de0da7", "Office apps for enterprise"),
    "OFFICE_BUSINESS": ("cd3b0d93-e324-5cc9-ab10-a678df2f3f3a", "Office apps for business"),
    "PROJECTWORKMANAGEMENT": ("2d22118a-8efe-57a7-81d4-9ad853c00f14", "Planner"),
    "FORMS_PLAN_E3": ("c3c7bf93-9a10-5dc1-a75a-4496c6b3d7f7", "Forms"),
    "STREAM_O365": ("5ec0e337-8a71-55c0-b744-d6c4346750b6", "Stream"),
    "STREAM_P2": ("eb632067-01a1-5e8f-a4df-9b130823c9af", "Video Studio"),
    "VISIOONLINE": ("f0a52ab4-1f98-572c-ab63-cf8289dc9625", "Diagrams for the web"),
    "VISIO_CLIENT_SUBSCRIPTION": ("62267e46-1aa0-5c94-947c-a7b9d6019865", "Diagrams desktop app"),
    "PROJECT_P1": ("42982542-ab41-5658-a603-2947b2d4d6b8", "Planner Plan 1"),
    "PROJECT_PROFESSIONAL": ("c11b9a57-32f7-5e01-bd0f-6dc8f892c822", "Planner Plan 3"),
    "BI_AZURE_P2": ("6b2f39f8-d6b5-5f9f-acda-9eedd7d775e3", "Insights Pro"),
    "ATP_ENTERPRISE": ("d3dff9b7-3ed6-508e-812a-814900bd168d", "Defender for mail (Plan 1)"),
    "THREAT_INTELLIGENCE": ("4dd5416b-6e17-55c9-b7f9-fcc4ac7c35bc", "Defender for mail (Plan 2)"),
    "WINDEFATP": ("98101c3a-d38d-5899-bd5f-a7e4f7449301", "Defender for devices (Plan 2)"),
    "M365_COPILOT": ("48fe244e-78f4-5ea5-b4b1-8280e40d8398", "Assistant"),
}

_BUSINESS_BASIC = ["EXCHANGE_S_STANDARD", "TEAMS1", "SHAREPOINTSTANDARD", "ONEDRIVE_PLAN_1", "SHAREPOINTWAC"]
_BUSINESS_STANDARD = [*_BUSINESS_BASIC, "OFFICE_BUSINESS", "PROJECTWORKMANAGEMENT", "FORMS_PLAN_E3"]
_E3 = [
    "EXCHANGE_S_ENTERPRISE",
    "TEAMS1",
    "SHAREPOINTENTERPRISE",
    "ONEDRIVE_PLAN_2",
    "SHAREPOINTWAC",
    "OFFICESUBSCRIPTION",
    "PROJECTWORKMANAGEMENT",
    "FORMS_PLAN_E3",
    "STREAM_O365",
]

# product part number: its plans (products share plans, as Microsoft's do: E3 and E5 both hold mail)
PRODUCT_PLANS = {
    "OFFICESERIES_E1": [*_BUSINESS_BASIC, "FORMS_PLAN_E3", "STREAM_O365"],
    "OFFICESERIES_E3": _E3,
    "OFFICESERIES_E5": [*_E3, "MCOEV", "BI_AZURE_P2", "THREAT_INTELLIGENCE", "WINDEFATP"],
    "OFFICESERIES_F1": ["TEAMS1", "SHAREPOINTDESKLESS", "PROJECTWORKMANAGEMENT"],
    "OFFICESERIES_F3": [
        "EXCHANGE_S_DESKLESS",
        "TEAMS1",
        "SHAREPOINTDESKLESS",
        "SHAREPOINTWAC",
        "PROJECTWORKMANAGEMENT",
    ],
    "OFFICESERIES_BUSINESS_BASIC": _BUSINESS_BASIC,
    "OFFICESERIES_BUSINESS_STANDARD": _BUSINESS_STANDARD,
    "OFFICESERIES_BUSINESS_PREMIUM": [*_BUSINESS_STANDARD, "ATP_ENTERPRISE", "WINDEFATP"],
    "MAIL_PLAN_1": ["EXCHANGE_S_STANDARD"],
    "MAIL_PLAN_2": ["EXCHANGE_S_ENTERPRISE"],
    "MAIL_KIOSK": ["EXCHANGE_S_DESKLESS"],
    "DIAGRAMS_PLAN_1": ["VISIOONLINE", "ONEDRIVE_PLAN_1"],
    "DIAGRAMS_PLAN_2": ["VISIOONLINE", "VISIO_CLIENT_SUBSCRIPTION", "ONEDRIVE_PLAN_1"],
    "PLANNER_PLAN_1": ["PROJECT_P1", "PROJECTWORKMANAGEMENT"],
    "PLANNER_PLAN_3": ["PROJECT_PROFESSIONAL", "PROJECTWORKMANAGEMENT"],
    "INSIGHTS_PRO": ["BI_AZURE_P2"],
    "PHONE_SYSTEM": ["MCOEV"],
    "DEFENDER_PLAN_2": ["WINDEFATP"],
    "ASSISTANT": ["M365_COPILOT"],
    "VIDEO_STUDIO": ["STREAM_P2", "STREAM_O365"],
}
