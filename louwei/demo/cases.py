"""Demo cases for the demo building (``load_demo`` calls :func:`load_demo_cases`). Kept with the demo,
out of the cases app: demo data is no part of a feature.

The building gets its handlers (the property company with the staff logins ``wuye`` and ``wuye2``,
the building committee, three district departments) and about a hundred cases received over the
last four months, in every state of the loop: with the floor leader, passed on, accepted,
dispatched, replied, closed and rated (all three ratings), closed and unrated past the rating
window, followed up by phone, declined, merged, reopened after a dissatisfied rating, overdue
(reminded, escalated once and twice); raised by visitors from the floor QR code, by employees in
the app and by floor leaders on an enterprise's behalf.

Every case goes through ``louwei.cases.services``, so its number, timeline, notifications and
figures are the real ones. The past is replayed in order: the steps of all cases (and the
periodic deadline check, every few hours) run sorted by the time they are meant to have happened;
after each step, the times it stamped (events, the case's step times) are moved back to that
moment. At the end the figures are rebuilt from the cases.

Deterministic (a seeded random generator; times relative to the moment of loading) and idempotent:
a building that already has cases gets none; handlers and their staff are looked up by name first.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from louwei.accounts.models import Role, RoleKind, User
from louwei.buildings.models import Enterprise, Floor
from louwei.cases import figures, services
from louwei.cases.models import (
    ON_BEHALF_CHANNELS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    DeclineReason,
    Handler,
    HandlerKind,
    HandlerMember,
    Rating,
    Status,
    Urgency,
)
from louwei.committee.models import FloorLeader

from . import data

SEED = 20260910
DAYS = 120  # how far back the first cases go
CHECK_HOURS = (10, 16)  # the periodic deadline check, as replayed: twice a day

# The handlers (承办单位). "building" ones serve the demo building, "district" ones every building of the district.
HANDLERS = {
    "property": {"name": data.PROPERTY_COMPANY["name"], "kind": HandlerKind.PROPERTY, "scope": "building",
                 "phone": data.PROPERTY_COMPANY["phone"]},
    "committee": {"name": data.COMMITTEE["name"], "kind": HandlerKind.COMMITTEE, "scope": "building",
                  "phone": data.COMMITTEE["phone"]},
    "market": {"name": "太白湖新区市场监管局", "kind": HandlerKind.DEPARTMENT, "scope": "district",
               "phone": "0537-2156901"},
    "labour": {"name": "太白湖新区人社局", "kind": HandlerKind.DEPARTMENT, "scope": "district",
               "phone": "0537-2156902"},
    "housing": {"name": "太白湖新区住建局", "kind": HandlerKind.DEPARTMENT, "scope": "district",
                "phone": "0537-2156903"},
}
# The committee works its own cases with its secretary (who is told of reminders) and a member.
COMMITTEE_STAFF = [("secretary", True), ("member", False)]
# The property company's staff login (property_staff of the building) works its cases too: without
# it, that login's case page was empty while the company had dispatched cases waiting.
PROPERTY_STAFF = [("property", False)]

# What people raise, who handles it and what the handler replies. {f}: the floor, {u}: a unit.
HANDLED = [
    ("lifts", "property", "早高峰3号电梯经常在{f}楼停靠后迟迟不关门，要等很久，影响上班打卡。",
     "维保单位已检修3号梯门机系统，更换了门刀和光幕，运行恢复正常，此后每周巡检一次。"),
    ("lifts", "property", "{f}楼电梯厅外呼按钮的上行键不亮，按了没有反应。",
     "已更换{f}楼电梯外呼按钮板，经测试上下行均正常。"),
    ("lifts", "property", "电梯轿厢里的通风扇坏了，中午特别闷热。",
     "已联系维保单位更换轿厢风扇，现运行正常。"),
    ("lifts", "property", "午饭时间等电梯太久，能否安排一部电梯只停高区楼层？",
     "物业与维保单位评估后，11:30–13:30 将2号梯设为12层以上专用，试行一个月，欢迎反馈效果。"),
    ("air-conditioning", "property", "{u}室中央空调出风口一直不制冷，室温超过28度，员工反映很热。",
     "检查发现风机盘管过滤网堵塞、温控面板故障，已清洗并更换面板，室温已恢复正常。"),
    ("air-conditioning", "property", "我们周六要加班，{f}楼空调周末不开，能否申请加班空调？",
     "已为贵公司开通周末加班空调，以后在一楼物业服务台登记即可，按时段计费。"),
    ("air-conditioning", "property", "{u}室空调出风口滴水，把办公桌上的文件打湿了。",
     "冷凝水管接口松动，已紧固并加装保温棉，处理完毕。"),
    ("air-conditioning", "property", "供暖以后{f}楼会议室温度还是偏低，只有16度左右。",
     "已调整该区域风阀开度并排空盘管内空气，实测室温21度。"),
    ("utilities", "property", "{u}室插座跳闸，一整排电脑断电，急需恢复。",
     "电工已到场，查明是一台电暖器漏电，已更换漏电保护开关并恢复供电，请勿使用大功率电器。"),
    ("utilities", "property", "{f}楼卫生间水龙头一直滴水，浪费水。",
     "已更换水龙头阀芯，不再漏水。"),
    ("utilities", "property", "{f}楼茶水间的开水器不出热水。",
     "开水器加热管损坏，已更换，出水正常。"),
    ("cleaning", "property", "{f}楼卫生间下午经常没有纸巾和洗手液。",
     "已增加下午两次巡检补给，并在卫生间张贴保洁班长电话。"),
    ("cleaning", "property", "{f}楼楼梯间堆着装修垃圾，好几天没人清理。",
     "装修垃圾已清运，已要求装修单位每日收工前清运。"),
    ("cleaning", "property", "地下车库入口的垃圾桶满了没人清，有异味。",
     "已把清运调整为每天两次，并对周边做了消毒。"),
    ("repairs", "property", "{u}室门禁刷卡没有反应，员工进不了门。",
     "门禁读卡器损坏，已更换，员工卡已重新授权。"),
    ("repairs", "property", "{f}楼走廊有两盏灯不亮，晚上加班很暗。",
     "已更换{f}楼走廊灯具4套，照明正常。"),
    ("repairs", "property", "{u}室窗户把手断了，关不严，下雨会进水。",
     "已更换窗户执手并调整密封条。"),
    ("security", "property", "晚上九点以后大堂门禁关闭，加班员工的外卖送不进来，能否在大堂暂存？",
     "已在大堂安保台设置外卖暂存架，晚间由值班保安登记代收。"),
    ("security", "property", "最近有陌生人在{f}楼挨家推销，影响办公。",
     "已加强访客登记核验，安保每日增加楼层巡查，发现推销人员即劝离。"),
    ("parking", "property", "地下车库月租车位已满，新入驻企业的员工停车难，能否增加车位？",
     "已与湖东广场停车场协商，为楼内企业提供优惠月租车位60个，详见服务台通知。"),
    ("parking", "property", "访客车辆进出车库要人工登记，高峰时排队很长。",
     "已开通访客车辆扫码预约，企业可在小程序为访客提前登记车牌。"),
    ("parking", "property", "地面停车区的共享单车乱停，挡住了消防通道。",
     "已联系运营方清理，并在消防通道两侧设置禁停标识。"),
    ("safety", "property", "{f}楼消防通道被快递纸箱堵住了，存在安全隐患。",
     "已清理消防通道并提醒相关企业，消防通道纳入每日巡查。"),
    ("safety", "property", "{f}楼配电间门开着，里面有焦糊味。",
     "电工已到场排查，一个接线端子过热，已更换；配电间已上锁并加强巡检。"),
    ("safety", "property", "{f}楼走廊的灭火器压力表指针在红区。",
     "已更换{f}楼灭火器6具，并对全楼灭火器做了检查。"),
    ("policy-support", "market", "想了解个体工商户转为有限公司的流程和需要的材料。",
     "已电话联系企业：“个转企”可在山东省企业开办“一网通办”平台办理，材料清单已发送；每周四上午市场监管驻点可现场指导。"),
    ("policy-support", "market", "企业年报填报时提示社保信息有误，不知道怎么更正。",
     "已指导企业在国家企业信用信息公示系统提交更正申请，已完成更正。"),
    ("policy-support", "market", "公司准备申请注册商标，有没有惠企补贴政策？",
     "已向企业介绍区知识产权资助政策和申报流程，申报指南已发送，可在驻点时现场咨询。"),
    ("policy-support", "labour", "招用应届高校毕业生有什么社保补贴？怎么申请？",
     "招用离校2年内高校毕业生可申领一次性吸纳就业补贴和社保补贴，申报指南和材料清单已发给企业。"),
    ("policy-support", "labour", "稳岗返还今年什么时候发放？我们公司符合条件吗？",
     "经核实贵公司符合条件，资金将于本月底前直接拨付至企业社保缴费账户，无需另行申请。"),
    ("policy-support", "labour", "员工想咨询灵活就业人员的社保怎么缴纳。",
     "已在周二人社驻点时为员工现场讲解，并发放办理指南。"),
    ("policy-support", "labour", "人才公寓申请需要哪些材料？审核要多久？",
     "需提交劳动合同、社保缴纳证明和学历证书，审核约15个工作日；已协助企业提交申请。"),
    ("policy-support", "committee", "看到高新技术企业认定补贴政策，我们公司是否符合条件？",
     "楼委会联系区科技部门做了政策匹配：贵公司符合申报条件，申报指南已推送，申报期内协助准备材料。"),
    ("policy-support", "committee", "有没有针对小微企业的房租补贴等惠企政策汇总？",
     "楼委会整理了区级惠企政策清单（房租补贴、贷款贴息、社保补贴等），已在通知公告发布并送达各企业。"),
    ("policy-support", "housing", "我们要对{u}室重新装修，需要到住建部门办什么手续？",
     "不改动结构的室内装修无需施工许可，向物业办理装修备案即可；涉及消防的需做消防设计审查。"),
    ("building-works", "housing", "大楼外墙瓷砖有松动，刮风时担心掉下来伤人。",
     "已组织外墙安全检查，对松动部位设置警戒并完成修复。"),
    ("building-works", "committee", "建议在一楼大堂的无障碍坡道加装扶手。",
     "楼委会与物业商议后，已在大堂坡道加装不锈钢扶手。"),
    ("opinions", "committee", "建议党群服务中心中午开放休息区，方便员工午休。",
     "已采纳：党群服务中心休息区工作日12:00–13:30开放，提供饮水。"),
    ("opinions", "committee", "希望多组织企业之间的交流活动，比如行业沙龙。",
     "楼委会将每月举办一次午间沙龙，首期主题“数字化转型”，欢迎报名。"),
    ("opinions", "committee", "建议服务中心的自助打印机增加彩色打印和扫描到手机。",
     "已更新打印机设置，支持扫码彩色打印和扫描到手机。"),
    ("opinions", "committee", "会议室预约能否在小程序上直接看到空闲时段？",
     "小程序已上线会议室空闲时段查看，可直接预约。"),
    ("opinions", "committee", "建议在楼里设置快递柜，现在快递都堆在前台。",
     "已与快递柜运营商签约，在一楼北侧安装智能快递柜，下月启用。"),
    ("other", "committee", "楼下公交站晚上班次太少，下班回家不方便，能否反映一下？",
     "楼委会已将建议转交区交通部门，区里答复晚高峰增加2个班次。"),
    ("other", "committee", "想找附近的托育机构，有没有推荐？",
     "楼委会整理了周边3家普惠托育机构的信息和电话，已发给企业。"),
]

# Questions the floor leader answers on the spot.
ANSWERED = [
    ("opinions", "党群服务中心的会议室怎么预约？", "在小程序“党群服务中心”里选会议室和时段即可，也可以找楼长代约。"),
    ("other", "一楼的自助打印机怎么用？收费吗？", "扫码登录后即可打印，黑白免费，每人每天50张以内。"),
    ("policy-support", "税务驻点是哪天？想咨询发票问题。", "每周三下午税务驻点在一楼党群服务中心，直接过去就行。"),
    ("parking", "访客车位怎么预约？", "在物业小程序“访客预约”里填写车牌即可，访客免费停2小时。"),
    ("cleaning", "{f}楼茶水间的垃圾下午能否多收一次？", "已和保洁班长说好，每天下午4点加收一次。"),
    ("other", "楼里有没有母婴室？", "一楼党群服务中心旁有母婴室，工作日8:30–17:30开放。"),
    ("policy-support", "社保业务在哪里代办？", "每周二上午人社驻点在党群服务中心，可以代办社保业务。"),
    ("repairs", "{f}楼男卫生间门锁坏了。", "已请物业维修师傅现场修好。"),
    ("opinions", "想参加午间沙龙，在哪里报名？", "活动页面可以报名；楼长企业有优先参与权，已帮您报上。"),
    ("security", "员工卡丢了怎么补办？", "带身份证到一楼物业服务台补办，工本费20元，当天可取。"),
]

# Cases the committee declines, with the public reason.
DECLINED = [
    ("other", DeclineReason.OUT_OF_SCOPE, "和房东的租金有纠纷，希望楼委会出面协调退押金。",
     "租赁合同纠纷属于民事纠纷，不在本平台受理范围。建议每月第一个周五到党群服务中心咨询法律服务志愿者，或申请人民调解。"),
    ("other", DeclineReason.OUT_OF_SCOPE, "另一家公司欠我们货款，能帮忙催讨吗？",
     "企业之间的债务纠纷不属于楼宇服务事项，建议通过法律途径解决，可预约服务中心的免费法律咨询。"),
    ("repairs", DeclineReason.INSUFFICIENT, "有东西坏了，请来看看。",
     "信息不足，无法确认位置和问题。请补充楼层、房间号和损坏情况后重新提交，或直接联系楼长。"),
    ("opinions", DeclineReason.INSUFFICIENT, "对物业服务有意见。",
     "请具体说明是哪方面的问题（保洁、安保、维修等）和发生时间，以便转给相关单位处理。"),
    ("parking", DeclineReason.OUT_OF_SCOPE, "小区门口的道路上违停很严重。",
     "该路段不在本楼管理范围，可拨打12345市民热线反映。"),
]

# Someone raising again what another case already asks (merged into it), by the original's first words.
DUPLICATES = {
    "早高峰3号电梯": "3号电梯又是停在楼层不关门，已经好几次了。",
    "{u}室中央空调": "我们这边空调也不制冷，和楼上反映的情况一样。",
    "地下车库月租车位": "车位太难找了，能不能多开一些月租车位？",
    "{f}楼卫生间下午": "卫生间又没有纸巾了。",
}

PASS_ON_NOTES = ["已到企业现场查看，请楼委会安排处理。", "企业反映比较急，请尽快派单。", "", "电话里了解了情况，转楼委会。"]
CLOSE_TEXTS = ["经核查已处理完毕，予以结案。", "已电话向企业确认问题解决。", "现场核查无误，结案。"]
COMMENTS = {
    Rating.SATISFIED: ["处理很及时，谢谢！", "师傅很专业。", "回复很详细，帮了大忙。", "", ""],
    Rating.BASICALLY: ["解决了，但等的时间有点长。", "基本解决，希望以后能更快。", "答复可以再具体一些。"],
    Rating.DISSATISFIED: ["修好第二天又坏了，问题没有根本解决。", "答复太笼统，没说清楚具体怎么申请。",
                          "只是临时处理，还是经常出现。"],
}
RETURN_REASON = "回复没有说明处理结果，企业反映问题仍在，请再次处理。"
REASSIGN_REASONS = {"property": "该事项属于物业服务范围，改派物业处理。",
                    "labour": "该事项涉及就业补贴，改派区人社局办理。",
                    "housing": "该事项涉及建筑安全，改派区住建局办理。",
                    "committee": "该事项需楼委会协调，改由楼委会办理。"}
SUPPORT_TEXTS = ["我们公司也遇到同样的问题。", "同样的情况，希望尽快解决。"]


@dataclass
class Step:
    """The next thing a case does: ``run`` (a callable taking no argument) at time ``at``."""

    at: datetime.datetime
    run: object


class _Replay:
    """Runs every case's steps and the periodic deadline check in the order of their times."""

    STAMPS = ("responded_at", "accepted_at", "dispatched_at", "replied_at", "first_closed_at", "closed_at",
              "reminded_at", "overdue_at", "rated_at")

    def __init__(self, building, district, now: datetime.datetime):
        self.building = building
        self.district = district
        self.now = now
        self.rng = random.Random(SEED)
        self.queue: list = []
        self.order = itertools.count()
        self.cases: dict[int, Case] = {}  # the instances the scenarios hold, kept fresh by ``at``
        self.counter: Counter = Counter()
        # Each scenario draws from its own generator, so what a case is does not depend on the order
        # the replay happens to run the steps in.
        self.rngs: dict = {}
        self.spawned = itertools.count()

    # -- people and places ------------------------------------------------------------------

    def setup(self, handlers: dict[str, Handler]) -> None:
        users = {u.username: u for u in User.objects.filter(
            username__in=["secretary", "member", "employee", "contact"]
            + [s.person.username for s in data.handler_logins()]
            + [p.username for p in data.case_employees().values()]
        )}
        self.secretary, self.member = users["secretary"], users["member"]
        self.handlers = handlers
        self.staff = {key: [m.user for m in HandlerMember.objects.active().filter(handler=h).select_related("user")
                            .order_by("-is_manager", "pk")]
                      for key, h in handlers.items()}
        self.floors = {f.number: f for f in Floor.objects.filter(building=self.building)}
        serving = FloorLeader.objects.serving().filter(floor__building=self.building).select_related("floor", "user")
        self.leaders = {leader.floor.number: leader.user for leader in serving}
        tenants = {}
        for number, floor in self.floors.items():
            tenants[number] = list(Enterprise.objects.on_floors([floor]).order_by("pk"))
        self.tenants = tenants
        # Who raises cases in the app, per floor: the floor's employee, on floor 5 the demo logins.
        self.app_users: dict[int, list[tuple[User, Enterprise]]] = {}
        roles = Role.objects.active().filter(
            user__in=users.values(), kind__in=[RoleKind.EMPLOYEE, RoleKind.ENTERPRISE_CONTACT]
        ).select_related("user", "enterprise").order_by("user__username")
        for role in roles:
            for number, enterprises in tenants.items():
                if role.enterprise in enterprises:
                    self.app_users.setdefault(number, []).append((role.user, role.enterprise))
        self.categories = {c.code: c for c in Category.objects.all()}

    # -- time -------------------------------------------------------------------------------

    def office_time(self, moment: datetime.datetime) -> datetime.datetime:
        """``moment``, moved into office hours (8:30–19:00 local) if it falls outside them."""
        local = timezone.localtime(moment)
        if local.hour < 8 or (local.hour == 8 and local.minute < 30):
            local = local.replace(hour=8, minute=30 + self.rng.randrange(60) // 2)
        elif local.hour >= 19:
            local = (local + datetime.timedelta(days=1)).replace(hour=8, minute=30 + self.rng.randrange(30))
        return local

    def after(self, moment: datetime.datetime, low_hours: float, high_hours: float, office: bool = True):
        """A time ``low_hours`` to ``high_hours`` after ``moment``, in office hours, before now."""
        when = moment + datetime.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        if office:
            when = self.office_time(when)
        latest = self.now - datetime.timedelta(minutes=5)
        return max(min(when, latest), moment + datetime.timedelta(seconds=1))

    def received(self, days_ago_low: float, days_ago_high: float) -> datetime.datetime:
        when = self.now - datetime.timedelta(days=self.rng.uniform(days_ago_low, days_ago_high))
        local = timezone.localtime(when).replace(hour=self.rng.randrange(8, 18), minute=self.rng.randrange(60),
                                                 second=self.rng.randrange(60), microsecond=0)
        return min(local, self.now - datetime.timedelta(minutes=30))

    def hours_ago(self, low: float, high: float) -> datetime.datetime:
        return self.now - datetime.timedelta(hours=self.rng.uniform(low, high))

    # -- running ----------------------------------------------------------------------------

    def spawn(self, scenario) -> None:
        outer = self.rng
        self.rng = self.rngs[scenario] = random.Random(f"{SEED}-{next(self.spawned)}")
        try:
            self.push(scenario, next(scenario))
        finally:
            self.rng = outer

    def push(self, scenario, step: Step | None) -> None:
        if step is not None:
            heapq.heappush(self.queue, (step.at, next(self.order), step, scenario))

    def run(self) -> None:
        checks = self.checks()
        self.push(checks, next(checks))
        while self.queue:
            _at, _order, step, scenario = heapq.heappop(self.queue)
            outer = self.rng
            self.rng = self.rngs.get(scenario, outer)
            try:
                result = self.at(step)
                self.push(scenario, scenario.send(result))
            except StopIteration:
                pass
            finally:
                self.rng = outer

    def checks(self):
        """The periodic deadline check, replayed twice a working day (the real task runs more often;
        twice a day keeps the replay quick and is close enough for the demo)."""
        day = timezone.localtime(self.now).date() - datetime.timedelta(days=DAYS + 1)
        tz = timezone.get_current_timezone()
        while True:
            for hour in CHECK_HOURS:
                when = datetime.datetime.combine(day, datetime.time(hour), tzinfo=tz)
                if when >= self.now:
                    return
                yield Step(when, lambda when=when: services.check_deadlines(now=when))
            day += datetime.timedelta(days=1)

    def at(self, step: Step):
        """Run ``step`` now and move what it stamped (events, the case's step times) back to ``step.at``."""
        started = timezone.now()
        result = step.run()
        delta = step.at - started
        CaseEvent.objects.filter(created_at__gte=started).update(created_at=F("created_at") + delta)
        case = result if isinstance(result, Case) else getattr(result, "case", None)
        if case is None:  # the deadline check stamps the time it is given
            return result
        moved = {}
        for name in self.STAMPS:
            value = getattr(case, name)
            if value is not None and value >= started:
                moved[name] = value + delta
        if moved:
            Case.objects.filter(pk=case.pk).update(**moved)
        held = self.cases.get(case.pk)
        for instance in {id(case): case, id(held): held}.values():
            if instance is None:
                continue
            if instance is not case:
                for f in Case._meta.concrete_fields:
                    setattr(instance, f.attname, getattr(case, f.attname))
            for name, value in moved.items():
                setattr(instance, name, value)
        return result

    # -- raising ----------------------------------------------------------------------------

    def pick_floor(self) -> int:
        # The demo floor (the "leader" login's) has more than its share.
        return data.DEMO_FLOOR if self.rng.random() < 0.18 else self.rng.randrange(1, data.FLOOR_COUNT + 1)

    def raising(self, when, floor_number: int, category_code: str, text: str, channel: str | None = None,
                prefer_login: bool = False):
        """A Step raising a case; returns (Step, how it can be rated: ("user", u) / ("token", t) / None)."""
        floor = self.floors[floor_number]
        category = self.categories[category_code]
        if channel is None:
            roll = self.rng.random()
            channel = Channel.APP if roll < 0.42 else Channel.QR if roll < 0.7 else self.rng.choice(ON_BEHALF_CHANNELS)
        if channel == Channel.APP and floor_number not in self.app_users:
            channel = Channel.QR
        if channel == Channel.APP:
            people = self.app_users[floor_number]
            logins = [p for p in people if p[0].username == "employee"]
            user, enterprise = logins[0] if prefer_login and logins else self.rng.choice(people)

            def run():
                return services.raise_case(actor=user, floor=floor, category=category, description=text,
                                           channel=channel, enterprise=enterprise, submitted_at=when)
            return Step(when, run), ("user", user)
        if channel == Channel.QR:
            surname = self.rng.choice(data.SURNAMES)
            name = surname + self.rng.choice(("先生", "女士")) if self.rng.random() < 0.7 else ""
            phone = (self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
                     if self.rng.random() < 0.5 else "")
            visitor = services.Visitor(name=name, phone=phone, address=f"192.0.2.{self.rng.randrange(1, 255)}",
                                       device=f"demo-{self.rng.randrange(10**6)}")

            def run():
                return services.raise_case(actor=None, floor=floor, category=category, description=text,
                                           channel=channel, visitor=visitor, submitted_at=when)
            return Step(when, run), ("token", None)
        leader = self.leaders[floor_number]
        enterprise = self.rng.choice(self.tenants[floor_number])

        def run():
            return services.raise_case(actor=leader, floor=floor, category=category, description=text,
                                       channel=channel, enterprise=enterprise, submitted_at=when)
        return Step(when, run), None

    def unit(self, floor_number: int) -> str:
        return f"{floor_number:02d}{self.rng.randrange(1, 9):02d}"

    def raise_case(self, when, floor_number, category_code, text, channel=None, prefer_login=False):
        """Yield from this in a scenario: raises the case; returns (case, rater)."""
        step, rater = self.raising(when, floor_number, category_code, text, channel, prefer_login)
        raised = yield step
        if rater is not None and rater[0] == "token":
            rater = ("token", raised.token)
        self.cases[raised.case.pk] = raised.case
        self.counter["cases"] += 1
        return raised.case, rater

    # -- the steps of the loop, as Steps ------------------------------------------------------

    def triager(self):
        return self.secretary if self.rng.random() < 0.75 else self.member

    def rate_step(self, when, case, rater, rating, comment):
        if rater is None:
            return None
        kind, who = rater
        if kind == "user":
            return Step(when, lambda: services.rate(actor=who, case=case, rating=rating, comment=comment))
        return Step(when, lambda: services.rate(actor=None, case=case, rating=rating, comment=comment, token=who))

    def comment(self, rating) -> str:
        return self.rng.choice(COMMENTS[rating])

    def handled(self, entry, *, received, end: str, rating=None, late=False, returned=False, reassign_to=None,
                floor=None, channel=None, prefer_login=False, follow_up=None, duplicates=0, quick=False):
        """A case that goes through the committee to a handler. ``end`` is where it stops: referred,
        accepted, dispatched, replied, closed (then rated with ``rating``, or followed up), reopened."""
        code, handler_key, description, reply_text = entry
        floor = floor or self.pick_floor()
        unit = self.unit(floor)
        case, rater = yield from self.raise_case(received, floor, code, description.format(f=floor, u=unit),
                                                 channel, prefer_login)
        for _ in range(duplicates):
            self.spawn(self.duplicate(case, description))
        leader = self.leaders[floor]
        when = self.after(case.submitted_at, 0.2, 30 if late else 5)
        if case.status == Status.SUBMITTED:
            yield Step(when, lambda: services.pass_on(actor=leader, case=case,
                                                      note=self.rng.choice(PASS_ON_NOTES)))
        if end == "referred":
            return
        when = self.after(when, 0.5, 20)
        triager = self.triager()
        if end == "accepted":
            yield Step(when, lambda: services.accept(actor=triager, case=case))
            return
        handler = self.handlers[handler_key]
        yield Step(when, lambda: services.accept(actor=triager, case=case, handler=handler))
        if reassign_to:
            when = self.after(when, 2, 30)
            other = self.handlers[reassign_to]
            yield Step(when, lambda: services.reassign(actor=triager, case=case, handler=other,
                                                       reason=REASSIGN_REASONS[reassign_to]))
            handler_key = reassign_to
        if end == "dispatched":
            return
        span = max((case.due_at - when).total_seconds() / 3600, 2)
        if late:
            when = self.after(case.due_at, 4, 24 * 6)
        elif quick:
            when = self.after(when, 1, 8)
        else:
            when = self.after(when, span * 0.1, span * 0.8)
        staff = self.staff[handler_key]
        replier = self.rng.choice(staff)
        text = reply_text.format(f=floor, u=unit)
        yield Step(when, lambda: services.reply(actor=replier, case=case, text=text))
        if returned:
            when = self.after(when, 2, 20)
            yield Step(when, lambda: services.return_reply(actor=self.secretary, case=case, reason=RETURN_REASON))
            when = self.after(when, 4, 48)
            yield Step(when, lambda: services.reply(actor=replier, case=case, text=text + "已再次上门确认。"))
        if end == "replied":
            return
        left = (case.due_at - when).total_seconds() / 3600
        when = self.after(when, 1, 26) if late or left < 2 else self.after(when, 0.5, min(26, left * 0.9))
        closer = self.triager()
        yield Step(when, lambda: services.close(actor=closer, case=case, text=self.rng.choice(CLOSE_TEXTS)))
        if follow_up is not None:
            reached, follow_rating = follow_up
            when = self.after(case.closed_at, 24 * 8, 24 * 10)
            yield Step(when, lambda: services.record_follow_up(
                actor=self.secretary, case=case, reached=reached, rating=follow_rating or "",
                comment=self.comment(follow_rating) if follow_rating else ""))
            return
        if rating is None:
            return
        if rater is None:  # raised on someone's behalf: the committee calls them back instead
            when = self.after(case.closed_at, 24, 24 * 4)
            yield Step(when, lambda: services.record_follow_up(
                actor=self.secretary, case=case, reached=True, rating=rating, comment=self.comment(rating)))
        else:
            when = self.after(case.closed_at, 1, 60)
            yield self.rate_step(when, case, rater, rating, self.comment(rating))
        if end != "reopened":
            return
        if rating != Rating.DISSATISFIED or case.status == Status.CLOSED:
            return
        # Reopened: the handler works it again; "reopened" cases that stay open stop here.
        if self.rng.random() < 0.5 or case.status != Status.DISPATCHED:
            return
        when = self.after(when, 20, 72)
        yield Step(when, lambda: services.reply(actor=replier, case=case, text="已重新处理：" + text))
        when = self.after(when, 2, 24)
        yield Step(when, lambda: services.close(actor=self.secretary, case=case, text=CLOSE_TEXTS[1]))
        when = self.after(when, 2, 48)
        second = Rating.BASICALLY if self.rng.random() < 0.6 else Rating.SATISFIED
        step = (self.rate_step(when, case, rater, second, self.comment(second)) if rater is not None else
                Step(when, lambda: services.record_follow_up(actor=self.secretary, case=case, reached=True,
                                                             rating=second, comment=self.comment(second))))
        yield step

    def answered(self, entry, *, received, rating):
        code, description, answer_text = entry
        floor = self.pick_floor()
        case, rater = yield from self.raise_case(received, floor, code, description.format(f=floor))
        leader = self.leaders[floor]
        when = self.after(case.submitted_at, 0.1, 3)
        yield Step(when, lambda: services.answer(actor=leader, case=case, text=answer_text.format(f=floor)))
        if rating is not None and rater is not None:
            yield self.rate_step(self.after(when, 0.5, 30), case, rater, rating, self.comment(rating))

    def declined(self, entry, *, received):
        code, reason, description, text = entry
        floor = self.pick_floor()
        case, _rater = yield from self.raise_case(received, floor, code, description)
        leader = self.leaders[floor]
        when = self.after(case.submitted_at, 0.2, 4)
        yield Step(when, lambda: services.pass_on(actor=leader, case=case))
        when = self.after(when, 1, 20)
        yield Step(when, lambda: services.decline(actor=self.secretary, case=case, reason=reason, text=text))

    def duplicate(self, original: Case, key: str):
        text = next((v for k, v in DUPLICATES.items() if key.startswith(k)), "和之前反映的问题一样。")
        received = self.after(original.submitted_at, 3, 30)
        floor = self.pick_floor()
        case, _rater = yield from self.raise_case(received, floor, original.category.code,
                                                  text.format(f=floor, u=self.unit(floor)))
        when = self.after(case.submitted_at, 0.5, 8)
        yield Step(when, lambda: services.merge(actor=self.secretary, case=case, into=original,
                                                text="与已受理的诉求相同，已合并，请关注原工单的进展。"))

    def waiting(self, entry, *, received, floor=None, prefer_login=False, supporters=0):
        """Raised and not yet seen to by the floor leader; maybe others add the same request."""
        code, _handler, description, _reply = entry
        floor = floor or self.pick_floor()
        text = description.format(f=floor, u=self.unit(floor))
        case, _rater = yield from self.raise_case(received, floor, code, text, prefer_login=prefer_login)
        for n in range(supporters):
            when = self.after(case.submitted_at, 0.2 + n, 2 + n, office=False)
            people = [u for u, _e in self.app_users.get(floor, []) if u.pk != case.submitted_by_id]
            who = people[n] if n < len(people) else None
            visitor = None if who else services.Visitor(name="", address=f"198.51.100.{n + 1}", device=f"s{n}")
            text = SUPPORT_TEXTS[n % len(SUPPORT_TEXTS)]
            yield Step(when, lambda who=who, visitor=visitor, text=text: services.support_case(
                actor=who, case=case, text=text, visitor=visitor))

    # -- the plan -------------------------------------------------------------------------------

    def plan(self) -> None:
        rng = self.rng
        handled = list(HANDLED)
        rng.shuffle(handled)
        pool = itertools.cycle(handled)
        # The open cases each ask something different: those of a day's deadline (lifts, air
        # conditioning, water and power, safety) for the ones just reminded or overdue, those of a
        # week or more for the rest.
        quick = [e for e in handled if self.categories[e[0]].urgency in (Urgency.URGENT, Urgency.UTILITIES)]
        slow = itertools.cycle([e for e in handled if e not in quick])
        quick = itertools.cycle(quick)
        old = lambda: self.received(24, DAYS - 2)  # noqa: E731 (closed long ago)
        # Closed and rated: satisfied, basically satisfied; a few late, returned or reassigned.
        for n in range(32):
            rating = Rating.SATISFIED if n % 4 else Rating.BASICALLY
            entry = next(pool)
            reassign_to = None
            if n in (3, 17):
                reassign_to = {"market": "labour", "committee": "property"}.get(entry[1], "committee")
            self.spawn(self.handled(entry, received=old(), end="closed", rating=rating, late=n % 7 == 2,
                                    returned=n in (5, 22), reassign_to=reassign_to,
                                    duplicates=1 if n in (1, 9, 26) else 0))
        # Dissatisfied: reopened, some worked again and closed, some still open.
        for _n in range(6):
            self.spawn(self.handled(next(pool), received=self.received(10, 60), end="reopened",
                                    rating=Rating.DISSATISFIED))
        # Closed, never rated, past the rating window: a follow-up call is due.
        for _n in range(6):
            self.spawn(self.handled(next(pool), received=self.received(20, 90), end="closed", channel=Channel.APP))
        # Followed up by phone: reached (with a rating) or not.
        for follow_up in [(True, Rating.SATISFIED), (True, Rating.BASICALLY), (True, Rating.SATISFIED),
                          (True, Rating.BASICALLY), (False, None)]:
            self.spawn(self.handled(next(pool), received=self.received(25, 100), end="closed", follow_up=follow_up))
        # Closed in the last days, waiting for the submitter's rating (the demo logins can rate two).
        for n in range(4):
            self.spawn(self.handled(next(pool), received=self.received(1.5, 2.5), end="closed", quick=True,
                                    floor=data.DEMO_FLOOR if n < 2 else None,
                                    channel=Channel.APP if n < 2 else None, prefer_login=n == 0))
        # Answered on the spot by the floor leader.
        for n, entry in enumerate(ANSWERED + ANSWERED[:2]):
            rating = (Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY, None)[n % 4]
            self.spawn(self.answered(entry, received=self.received(2, DAYS - 2), rating=rating))
        for entry in DECLINED:
            self.spawn(self.declined(entry, received=self.received(3, DAYS - 5)))
        # Open, in every state.
        for n in range(5):  # with the floor leader: two on the demo floor (one by the employee login)
            self.spawn(self.waiting(next(slow), received=self.received(0.05, 1.2),
                                    floor=data.DEMO_FLOOR if n < 2 else None, prefer_login=n == 0,
                                    supporters=2 if n == 1 else 1 if n == 3 else 0))
        for n in range(4):
            self.spawn(self.handled(next(slow), received=self.received(0.3, 2), end="referred",
                                    floor=data.DEMO_FLOOR if n == 0 else None))
        for _n in range(3):
            self.spawn(self.handled(next(slow), received=self.received(0.5, 3), end="accepted"))
        for _n in range(6):
            self.spawn(self.handled(next(slow), received=self.received(0.5, 4), end="dispatched"))
        for _n in range(4):
            self.spawn(self.handled(next(slow), received=self.received(2, 6), end="replied"))
        # Due within the day and reminded; overdue since today (escalated to the secretary);
        # overdue for longer (escalated to the district too).
        hours = [(20, 22), (20, 22), (27, 31), (27, 31)]
        for n, (low, high) in enumerate(hours):
            self.spawn(self.handled(next(quick), received=self.hours_ago(low, high), end="dispatched",
                                    floor=data.DEMO_FLOOR if n in (0, 2) else None, quick=True))
        for n in range(5):
            self.spawn(self.handled(next(slow), received=self.received(12, 40), end="dispatched",
                                    floor=data.DEMO_FLOOR if n == 0 else None))


def _handlers(building, district) -> tuple[dict[str, Handler], Counter]:
    made: Counter = Counter()
    secretary = User.objects.get(username="secretary")
    district_staff = User.objects.filter(username="district").first() or secretary
    handlers = {}
    for key, spec in HANDLERS.items():
        scope = {"building": building} if spec["scope"] == "building" else {"party_committee": district}
        handler = Handler.objects.filter(name=spec["name"], **scope).first()
        if handler is None:
            fields = {"name": spec["name"], "kind": spec["kind"], "phone": spec["phone"]}
            if key == "property":
                fields["property_company"] = building.property_company
            handler = services.save_handler(
                actor=secretary if spec["scope"] == "building" else district_staff, **scope, **fields
            )
            made["handlers"] += 1
        handlers[key] = handler
    members = [(spec.handler, spec.person.username, spec.is_manager) for spec in data.handler_logins()]
    members += [("committee", username, manager) for username, manager in COMMITTEE_STAFF]
    members += [("property", username, manager) for username, manager in PROPERTY_STAFF]
    for key, username, is_manager in members:
        user = User.objects.filter(username=username).first()
        handler = handlers[key]
        if user is None or HandlerMember.objects.active().filter(handler=handler, user=user).exists():
            continue
        actor = secretary if HANDLERS[key]["scope"] == "building" else district_staff
        services.add_handler_member(actor=actor, handler=handler, user=user, is_manager=is_manager)
        made["handler members"] += 1
    return handlers, made


def load_demo_cases(building, district, *, now: datetime.datetime | None = None) -> Counter:
    """Give the demo building its handlers and, if it has no case yet, its demo cases; returns the
    number of rows made by kind. Refuses with the production settings (the demo is not real)."""
    if settings.LOUWEI_PRODUCTION:
        raise ImproperlyConfigured("The demo cases are not loaded with the production settings.")
    with transaction.atomic():
        handlers, made = _handlers(building, district)
        if Case.objects.filter(building=building).exists():
            return made
        replay = _Replay(building, district, now or timezone.now())
        replay.setup(handlers)
        replay.plan()
        replay.run()
        services.check_deadlines(now=replay.now)
        figures.rebuild([building])
        made.update(replay.counter)
        since = timezone.now() - datetime.timedelta(hours=1)
        # Runs after the notifications the steps sent on commit (callbacks run in order).
        transaction.on_commit(lambda: _settle_notifications(building, since))
        return made


def _settle_notifications(building, since) -> None:
    """The notifications the replay sent are all dated now: those about finished cases are history
    and marked read; those about open cases stay unread, for the demo logins to find."""
    from louwei.notifications.models import Message

    finished = [reverse("cases:detail", args=[number]) for number in
                Case.objects.filter(building=building).exclude(status__in=OPEN_STATUSES)
                .values_list("number", flat=True)]
    Message.objects.filter(building=building, created_at__gte=since, event__startswith="case.", url__in=finished,
                           read_at__isnull=True).update(read_at=timezone.now())
