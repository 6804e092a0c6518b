"""The default deadline rules and categories (both configurable afterwards)."""

from django.db import migrations

RULES = [
    # urgency, respond, unit, resolve, unit
    ("urgent", 2, "hours", 24, "hours"),
    ("utilities", 4, "working_hours", 24, "hours"),
    ("general", 1, "working_days", 7, "working_days"),
    ("complex", 1, "working_days", 15, "working_days"),
]

# code, Chinese, English, parent, urgency, handler kind
CATEGORIES = [
    ("building-works", "楼宇建设", "Building works", None, "general", "committee"),
    ("building-services", "楼宇服务", "Building services", None, "general", "property"),
    ("cleaning", "保洁", "Cleaning", "building-services", "general", "property"),
    ("repairs", "维修", "Repairs", "building-services", "general", "property"),
    ("lifts", "电梯", "Lifts", "building-services", "utilities", "property"),
    ("air-conditioning", "空调", "Air conditioning", "building-services", "utilities", "property"),
    ("utilities", "水电", "Water and power", "building-services", "utilities", "property"),
    ("security", "安保", "Security", "building-services", "general", "property"),
    ("parking", "停车", "Parking", "building-services", "general", "property"),
    ("safety", "安全隐患", "Safety hazard", None, "urgent", "property"),
    ("policy-support", "政策咨询", "Policy support", None, "complex", "committee"),
    ("opinions", "意见建议", "Opinions and suggestions", None, "general", "committee"),
    ("other", "其他", "Other", None, "general", "committee"),
]


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    Category = apps.get_model("cases", "Category")
    for urgency, ra, ru, sa, su in RULES:
        DeadlineRule.objects.get_or_create(
            urgency=urgency,
            defaults={"respond_amount": ra, "respond_unit": ru, "resolve_amount": sa, "resolve_unit": su},
        )
    by_code = {}
    for position, (code, name, name_en, parent, urgency, handler_kind) in enumerate(CATEGORIES):
        by_code[code], _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "parent": by_code.get(parent), "urgency": urgency,
                "handler_kind": handler_kind, "position": position * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
