"""The demo building's data: the article's 新城发展大厦B座, with made-up people and companies.

Everything here is plain data (and a deterministic generator for the ~120 tenants); the loader
in ``louwei.demo.loader`` turns it into rows. People and companies are invented: names are
combined from word lists, not taken from any register, and the real people named in the
article are never used. The same seed always gives the same building.
"""

from __future__ import annotations

import datetime
import functools
import random
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from louwei.core.validators import USCC_ALPHABET, uscc_check_character

SEED = 20210910
PASSWORD = "louwei-demo"

DISTRICT = {"code": "TBH", "name": "太白湖新区两新组织党委", "district": "太白湖新区"}

PROPERTY_COMPANY = {
    "name": "济宁新城物业服务有限公司",
    "phone": "0537-2156800",
}

BUILDING = {
    "code": "XCFZ-B",
    "name": "新城发展大厦B座",
    "address": "山东省济宁市太白湖新区湖东大道 268 号新城发展大厦B座",
    "is_pilot": True,
}

FLOOR_COUNT = 20
GROUND_FLOOR_UNITS = 4  # the rest of floor 1 is the lobby and the service centre
UNITS_PER_FLOOR = 8
FLOOR_NAMES = {1: "党群服务中心"}

SERVICE_CENTRE = {
    "name": "两新组织党群服务中心",
    "opening_hours": "工作日 8:30–12:00，13:30–17:30",
    "phone": "0537-2156811",
    "on_site_services": (
        "每周二上午：人社政策咨询、社保业务代办\n"
        "每周三下午：税务服务驻点（发票、申报辅导）\n"
        "每周四上午：市场监管驻点（企业登记、年报指导）\n"
        "每月第一个周五：法律服务志愿者免费咨询\n"
        "全天：手机充电、饮水、休息区开放"
    ),
}

FACILITIES = [
    {"name": "第一会议室", "kind": "meeting_room", "capacity": 20,
     "description": "投影、视频会议设备，适合联席会议和企业洽谈。"},
    {"name": "第二会议室", "kind": "meeting_room", "capacity": 10,
     "description": "小型会议室，适合面谈和小组讨论。"},
    {"name": "多功能活动室", "kind": "activity_room", "capacity": 60,
     "description": "学习讲座、午间沙龙、培训和社团活动。"},
    {"name": "自助打印机", "kind": "printer", "capacity": None,
     "description": "黑白及彩色打印、复印、扫描，扫码使用。"},
]

COMMITTEE = {"name": "新城发展大厦B座楼委会", "founded_on": datetime.date(2021, 9, 10), "phone": "0537-2156810"}
FIRST_TERM = {"number": 1, "started_on": datetime.date(2021, 9, 10)}
APPOINTED_ON = datetime.date(2021, 9, 10)

# The leader of this floor logs in as ``leader``; the contact and employee logins work here too.
DEMO_FLOOR = 5

# How each floor's leader was chosen (主动认领 / 企业推选 / 组织指派), floors 1 to 20.
APPOINTMENT_METHODS = [
    "assigned", "nominated", "self_claimed", "nominated", "self_claimed",
    "assigned", "nominated", "self_claimed", "nominated", "assigned",
    "self_claimed", "nominated", "nominated", "self_claimed", "assigned",
    "nominated", "self_claimed", "nominated", "assigned", "self_claimed",
]

# The article's industries (GB/T 4754 sections) and how many tenants each has.
INDUSTRY_COUNTS = {"I": 28, "F": 27, "E": 18, "J": 16, "R": 16, "N": 15}
CURRENT_TENANTS = sum(INDUSTRY_COUNTS.values())  # 120
FORMER_TENANTS = 4  # moved out of the building: kept for history
MOVED_WITHIN = 6  # moved from one unit to another inside the building

INDUSTRY_SUFFIXES = {
    "I": ["信息科技有限公司", "网络科技有限公司", "软件开发有限公司", "数据科技有限公司", "智能科技有限公司"],
    "F": ["商贸有限公司", "贸易有限公司", "供应链管理有限公司", "电子商务有限公司", "商业管理有限公司"],
    "E": ["建筑工程有限公司", "建设工程有限公司", "装饰工程有限公司", "市政工程有限公司", "安装工程有限公司"],
    "J": ["保险代理有限公司", "融资担保有限公司", "融资租赁有限公司", "典当有限公司", "保险经纪有限公司"],
    "R": ["文化传媒有限公司", "影视文化传播有限公司", "文化传播有限公司", "演艺有限公司", "文化发展有限公司"],
    "N": ["园林绿化有限公司", "生态园林有限公司", "园林景观工程有限公司", "环境科技有限公司", "苗木花卉有限公司"],
}
# Trade names (字号) are pairs of these, so no name is copied from a real company.
TRADE_NAME_FIRST = list("岚汀禾朔砚棠屿霁澄芮珩槿蔚栎岑汐翊璟杉峤沅泓钧骞湛笙霖樾琮韫")
TRADE_NAME_SECOND = list("川野舟原禾谷岳林泽石帆桥田溪岭湾洲邑川渡")

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_CHARS = list("子文若晓雨思嘉欣明宇海涛婷静磊洋颖丽刚强军平华建国梦佳怡然博浩泽凯宁志慧敏芳健鹏飞")
# The article names real people; the demo never uses their names.
REAL_NAMES = {"孙彦国", "解承龙", "刘国芹", "邓超", "王浩然"}

# Mobile prefixes. 138 and 139 are left to the test factories, so demo and factory numbers never clash.
MOBILE_PREFIXES = ["135", "136", "137", "150", "151", "152", "158", "159", "182", "187", "188", "130",
                   "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "199", "198"]
CONTACT_TITLES = ["总经理", "行政主管", "办公室主任", "人事经理", "综合部经理", "副总经理", "行政专员"]
JINING_REGION_CODES = ["370800", "370811", "370812", "370830"]


@dataclass(frozen=True)
class Tenancy:
    floor: int
    unit: str
    started_on: datetime.date
    ended_on: datetime.date | None = None


@dataclass(frozen=True)
class Contact:
    name: str
    title: str
    phone: str


@dataclass(frozen=True)
class EnterpriseSpec:
    name: str
    uscc: str
    industry: str
    employee_count: int
    party_organisation: str
    party_member_count: int
    phone: str
    contact: Contact
    tenancies: tuple[Tenancy, ...]

    @property
    def current(self) -> bool:
        return any(t.ended_on is None for t in self.tenancies)

    @property
    def floors(self) -> set[int]:
        return {t.floor for t in self.tenancies if t.ended_on is None}


@dataclass(frozen=True)
class PersonSpec:
    username: str
    name: str
    phone: str


@dataclass(frozen=True)
class LeaderSpec:
    floor: int
    person: PersonSpec
    enterprise_uscc: str
    method: str
    nominated_by_uscc: str | None


@dataclass(frozen=True)
class LoginSpec:
    """A demo login: ``kind`` is an ``accounts.RoleKind``; ``scope`` says where."""

    person: PersonSpec
    kind: str
    scope: str  # "district", "building", "floor:<n>" or "enterprise:<uscc>"
    try_first: str  # an English hint, translated where it is shown
    url_name: str  # the page to open first, and the object its URL takes (None, "building", "floor", "enterprise")
    url_arg: str | None = None


@dataclass(frozen=True)
class HandlerLoginSpec:
    """A demo login of a handler's staff (承办单位): ``handler`` is a key of ``louwei.demo.cases.HANDLERS``."""

    person: PersonSpec
    handler: str
    is_manager: bool
    try_first: str


def unit_numbers(floor: int) -> list[str]:
    count = GROUND_FLOOR_UNITS if floor == 1 else UNITS_PER_FLOOR
    return [f"{floor:02d}{n:02d}" for n in range(1, count + 1)]


def unit_area(unit: str) -> int:
    """A plausible floor area in m² for a unit, the same on every run."""
    return random.Random(f"{SEED}-{unit}").choice((86, 98, 112, 126, 138, 152, 168, 186, 212, 240))


class _Names:
    """Unique made-up names, phone numbers and USCCs from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.people: set[str] = set(REAL_NAMES)
        self.phones: set[str] = set()
        self.usccs: set[str] = set()
        self.trade_names: set[str] = set()
        self.landlines: set[str] = {PROPERTY_COMPANY["phone"], SERVICE_CENTRE["phone"], COMMITTEE["phone"]}

    def person(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.people:
                self.people.add(name)
                return name

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        while True:
            number = f"0537-{self.rng.randrange(2, 7)}{self.rng.randrange(10**6):06d}"
            if number not in self.landlines:
                self.landlines.add(number)
                return number

    def uscc(self) -> str:
        while True:
            body = "".join(self.rng.choice(USCC_ALPHABET) for _ in range(9))
            first17 = "91" + self.rng.choice(JINING_REGION_CODES) + body
            code = first17 + uscc_check_character(first17)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def trade_name(self) -> str:
        while True:
            name = self.rng.choice(TRADE_NAME_FIRST) + self.rng.choice(TRADE_NAME_SECOND)
            if name not in self.trade_names and name[0] != name[1]:
                self.trade_names.add(name)
                return name


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _party(rng: random.Random, employees: int) -> tuple[str, int]:
    """Larger firms often have their own branch; small ones join the building's joint branch or have none."""
    roll = rng.random()
    if employees >= 30 and roll < 0.5:
        return "own_branch", min(employees, rng.randint(3, max(3, employees // 6)))
    if roll < 0.4:
        return "joint_branch", min(employees, rng.randint(1, 4))
    return "none", min(employees, rng.choice((0, 0, 0, 1, 2)))


@functools.cache
def generate() -> dict:
    """The whole generated part of the demo: enterprises, floor leaders and demo logins."""
    rng = random.Random(SEED)
    names = _Names(rng)

    industries = [code for code, count in INDUSTRY_COUNTS.items() for _ in range(count)]
    rng.shuffle(industries)

    # How many current tenants each floor has: 3 on the ground floor, 6 or 7 on the others.
    per_floor = {1: 3}
    upper = list(range(2, FLOOR_COUNT + 1))
    sevens = set(rng.sample(upper, CURRENT_TENANTS - 3 - 6 * len(upper)))
    per_floor.update({f: 7 if f in sevens else 6 for f in upper})

    specs: list[dict] = []
    vacant: list[tuple[int, str]] = []
    earliest_by_floor: dict[int, int] = {}
    for floor in range(1, FLOOR_COUNT + 1):
        units = unit_numbers(floor)
        rng.shuffle(units)
        tenants = per_floor[floor]
        taken = units[:tenants]
        spare = units[tenants:]
        for index, unit in enumerate(taken):
            industry = industries[len(specs)]
            # The first tenant of each floor has been there since before the committee was founded.
            if index == 0:
                started = _date_between(rng, datetime.date(2016, 3, 1), datetime.date(2020, 12, 31))
                earliest_by_floor[floor] = len(specs)
            else:
                started = _date_between(rng, datetime.date(2016, 3, 1), datetime.date(2024, 10, 31))
            tenancies = [Tenancy(floor, unit, started)]
            # A few tenants rent the neighbouring spare unit as well.
            if spare and len(spare) > 1 and rng.random() < 0.12:
                tenancies.append(Tenancy(floor, spare.pop(), started))
            specs.append({"industry": industry, "tenancies": tenancies})
        vacant.extend((floor, unit) for unit in spare)

    # Six tenants moved here from a unit that is now vacant; four former tenants left the building.
    rng.shuffle(vacant)
    leader_tenants = set(earliest_by_floor.values())
    movers = rng.sample([i for i in range(len(specs)) if i not in leader_tenants], MOVED_WITHIN)
    for i in movers:
        current = specs[i]["tenancies"][0]
        floor, unit = vacant.pop()
        latest_move_in = current.started_on - datetime.timedelta(days=200)
        moved_in_before = _date_between(rng, datetime.date(2015, 6, 1), latest_move_in)
        specs[i]["tenancies"].insert(0, Tenancy(floor, unit, moved_in_before, current.started_on))
    former_industries = ["F", "I", "R", "E"]
    for industry in former_industries[:FORMER_TENANTS]:
        floor, unit = vacant.pop()
        started = _date_between(rng, datetime.date(2015, 6, 1), datetime.date(2019, 12, 31))
        ended = _date_between(rng, started + datetime.timedelta(days=365), datetime.date(2024, 6, 30))
        specs.append({"industry": industry, "tenancies": [Tenancy(floor, unit, started, ended)]})

    enterprises: list[EnterpriseSpec] = []
    for spec in specs:
        industry = spec["industry"]
        prefix = "山东" if rng.random() < 0.15 else "济宁"
        name = prefix + names.trade_name() + rng.choice(INDUSTRY_SUFFIXES[industry])
        employees = max(3, int(rng.lognormvariate(3.0, 0.8)))
        employees = min(employees, 260)
        party_organisation, members = _party(rng, employees)
        enterprises.append(
            EnterpriseSpec(
                name=name,
                uscc=names.uscc(),
                industry=industry,
                employee_count=employees,
                party_organisation=party_organisation,
                party_member_count=members,
                phone=names.landline(),
                contact=Contact(names.person(), rng.choice(CONTACT_TITLES), names.mobile()),
                tenancies=tuple(spec["tenancies"]),
            )
        )

    # One serving leader per floor, from the floor's longest-standing tenant.
    leaders: list[LeaderSpec] = []
    for floor in range(1, FLOOR_COUNT + 1):
        enterprise = enterprises[earliest_by_floor[floor]]
        method = APPOINTMENT_METHODS[floor - 1]
        username = "leader" if floor == DEMO_FLOOR else f"leader{floor:02d}"
        person = PersonSpec(username, names.person(), names.mobile())
        leaders.append(
            LeaderSpec(
                floor=floor, person=person, enterprise_uscc=enterprise.uscc, method=method,
                nominated_by_uscc=enterprise.uscc if method == "nominated" else None,
            )
        )

    demo_floor_tenants = [
        e for e in enterprises
        if e.current and DEMO_FLOOR in e.floors and e.uscc != leaders[DEMO_FLOOR - 1].enterprise_uscc
    ]
    contact_enterprise, employee_enterprise = demo_floor_tenants[0], demo_floor_tenants[1]
    logins = [
        LoginSpec(PersonSpec("district", names.person(), names.mobile()), "district_staff", "district",
                  gettext_noop("Compare the district's buildings"), "buildings:building_list"),
        LoginSpec(PersonSpec("secretary", names.person(), names.mobile()), "committee_secretary", "building",
                  gettext_noop("Manage the committee and print the floor posters"), "committee:manage", "building"),
        LoginSpec(PersonSpec("member", names.person(), names.mobile()), "committee_member", "building",
                  gettext_noop("Browse the enterprise roster and export it"), "buildings:enterprise_list", "building"),
        LoginSpec(PersonSpec("property", names.person(), names.mobile()), "property_staff", "building",
                  gettext_noop("Look up an enterprise and its contacts"), "buildings:building_detail", "building"),
        LoginSpec(leaders[DEMO_FLOOR - 1].person, "floor_leader", f"floor:{DEMO_FLOOR}",
                  gettext_noop("Open your floor's page and its enterprises"), "committee:floor_page", "floor"),
        # The contact login is the enterprise's main contact.
        LoginSpec(PersonSpec("contact", contact_enterprise.contact.name, contact_enterprise.contact.phone),
                  "enterprise_contact", f"enterprise:{contact_enterprise.uscc}",
                  gettext_noop("Check and update your enterprise"), "buildings:enterprise_detail", "enterprise"),
        LoginSpec(PersonSpec("employee", names.person(), names.mobile()), "employee",
                  f"enterprise:{employee_enterprise.uscc}", gettext_noop("See your enterprise and your floor leader"),
                  "accounts:profile"),
    ]
    property_company_uscc = names.uscc()
    # Drawn last, so adding them changed none of the names above.
    handler_logins = [
        HandlerLoginSpec(PersonSpec("wuye", names.person(), names.mobile()), "property", True,
                         gettext_noop("Reply to the cases dispatched to the property company")),
        HandlerLoginSpec(PersonSpec("wuye2", names.person(), names.mobile()), "property", False,
                         gettext_noop("Reply to the cases dispatched to the property company")),
        HandlerLoginSpec(PersonSpec("shichang", names.person(), names.mobile()), "market", True,
                         gettext_noop("Answer the policy questions sent to your department")),
        HandlerLoginSpec(PersonSpec("renshe", names.person(), names.mobile()), "labour", True,
                         gettext_noop("Answer the policy questions sent to your department")),
        HandlerLoginSpec(PersonSpec("zhujian", names.person(), names.mobile()), "housing", True,
                         gettext_noop("Answer the policy questions sent to your department")),
    ]
    # Employees who raise cases in the app on the other floors (the demo login "employee" is on floor 5).
    employees = {
        floor: PersonSpec(f"emp{floor:02d}", names.person(), names.mobile())
        for floor in range(1, FLOOR_COUNT + 1) if floor != DEMO_FLOOR
    }
    return {
        "enterprises": enterprises,
        "leaders": leaders,
        "logins": logins,
        "property_company_uscc": property_company_uscc,
        "handler_logins": handler_logins,
        "employees": employees,
    }


def enterprises() -> list[EnterpriseSpec]:
    return generate()["enterprises"]


def floor_leaders() -> list[LeaderSpec]:
    return generate()["leaders"]


def logins() -> list[LoginSpec]:
    return generate()["logins"]


def handler_logins() -> list[HandlerLoginSpec]:
    return generate()["handler_logins"]


def case_employees() -> dict[int, PersonSpec]:
    """One employee per floor (but the demo floor) who raises cases in the app; not printed as logins."""
    return generate()["employees"]
