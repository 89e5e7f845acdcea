#!/usr/bin/python3
"""The example programme of DOMAIN.md, driven from Python through the gRPC API (issue 4).

Proves the API works for other languages: Python stubs are generated at test time from ONLY the
files in proto/ (Debian's protoc and grpc_python_plugin; at run time python3-grpcio and
python3-protobuf; ops/install-deps.sh installs them), a real
proeftuind is started on a free loopback port in a temp data dir, one principal is created per
role, and the example programme (Leidschendam-Voorburg, "lv-2024-2027") is run command by
command, as the C++ example does (services/domain/example_programme.cc, example_experiments.cc,
example_run.cc). Decision numbers, council references, amounts, attendance and scores are
invented but plausible (demo data), as there.

Dates: the server decides with its real clock and refuses business dates in the future
(PT-DATE-IN-FUTURE), and an unset business date defaults to today. So every business date is set
explicitly (2024-2026), and the steps dated after today are not run: the right to challenge
(uitdaagrecht) completes on 2026-12-15, is evaluated on 2027-01-20, and the programme itself is
evaluated (2027-02-15) and closed (2027-03-31) only in 2027. The programme therefore ends this
test ADOPTED, with the uitdaagrecht still running.

Run:  /usr/bin/python3 tests/python/example_programme_test.py \
          [--proeftuind build/release/services/server/proeftuind] [--proto-dir proto] [-v]
(CTest: python_example_programme, tests/CMakeLists.txt.)
"""

import argparse
import datetime
import glob
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))

ARGS = argparse.Namespace(
    proeftuind=os.path.join(SOURCE_ROOT, "build/release/services/server/proeftuind"),
    proto_dir=os.path.join(SOURCE_ROOT, "proto"),
)

PROTOC = "/usr/bin/protoc"  # protobuf-compiler
GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"  # protobuf-compiler-grpc

PROGRAMME = "lv-2024-2027"
RPC_TIMEOUT = 30  # seconds per call

# Experiment ids of the example (services/domain/internal/example_data.h).
INTAKE = "straatgewijze-intake-voorburg-noord"
PARKING = "parkeren-rond-de-mall"
GARDENS = "adoptietuinen-sneller"
CHALLENGE = "uitdaagrecht"
ASSEMBLY = "burgerberaad-klimaat"
YOUTH_PANEL = "jongerenpanel-stompwijk"
PLATFORM = "digitaal-participatieplatform"

# The latest business date of any step run here (everything later lies after "today").
LAST_STEP_DATE = (2026, 6, 30)

# Filled by generate_stubs(): every message, enum and enum value of package proeftuin.v1.
v1 = types.SimpleNamespace()
# The modules holding the service stubs.
grpc_modules = {}


def generate_stubs(proto_dir, out_dir):
    """Generates Python stubs from the .proto files of proto_dir only, and imports them."""
    protos = sorted(glob.glob(os.path.join(proto_dir, "proeftuin", "v1", "*.proto")))
    if not protos:
        raise RuntimeError("no .proto files under %s/proeftuin/v1" % proto_dir)
    rel = [os.path.relpath(p, proto_dir) for p in protos]
    # Debian's protoc with its gRPC Python plugin (../shared/TOOLCHAIN.md). Not
    # `python3 -m grpc_tools.protoc`: Debian 12's python3-grpc-tools bundles libprotoc 3.5.1,
    # which rejects proto3 `optional` fields and emits code the protobuf 4.21 runtime refuses.
    cmd = [PROTOC, "-I" + proto_dir, "--plugin=protoc-gen-grpc=" + GRPC_PYTHON_PLUGIN,
           "--python_out=" + out_dir, "--grpc_out=" + out_dir] + rel
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("protoc failed (%d): %s\n%s" % (done.returncode, " ".join(cmd), done.stderr))
    sys.path.insert(0, out_dir)
    for path in rel:
        name = os.path.splitext(path)[0].replace(os.sep, ".")
        pb2 = importlib.import_module(name + "_pb2")
        for attr in dir(pb2):
            if attr.startswith("_") or attr == "DESCRIPTOR":
                continue
            if hasattr(v1, attr) and getattr(v1, attr) is not getattr(pb2, attr):
                raise RuntimeError("name %s defined twice in proeftuin.v1" % attr)
            setattr(v1, attr, getattr(pb2, attr))
        grpc_path = os.path.join(out_dir, os.path.splitext(path)[0] + "_pb2_grpc.py")
        if os.path.exists(grpc_path):
            grpc_modules[name.rsplit(".", 1)[-1]] = importlib.import_module(name + "_pb2_grpc")
    return protos


def Day(y, m, d):
    return v1.Date(year=y, month=m, day=d)


def Euro(euros):
    return v1.Money(cents=euros * 100)


def InYear(year, euros):
    return v1.BudgetYearAmount(year=year, amount=Euro(euros))


def College(identification, date, description):
    return v1.DecisionReference(identification=identification, deciding_body=v1.DECIDING_BODY_COLLEGE,
                                decision_date=date, description=description)


def date_tuple(date):
    return (date.year, date.month, date.day)


class ServerProcess:
    """proeftuind on a free loopback port (--listen 127.0.0.1:0; the port comes from its log)."""

    def __init__(self, binary, data_dir):
        self.lines = []
        self._lock = threading.Lock()
        self._started = threading.Event()
        self.port = None
        self.proc = subprocess.Popen([binary, "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._started.wait(30) or self.port is None:
            self.kill()
            raise RuntimeError("proeftuind did not log its start:\n" + self.log())

    def _read(self):
        for line in self.proc.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "start" and "port" in entry:
                self.port = int(entry["port"])
                self._started.set()
        self._started.set()  # stderr closed: the process ended

    def log(self):
        with self._lock:
            return "\n".join(self.lines[-40:])

    def terminate(self, timeout=30):
        """SIGTERM, then waits; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class ExampleProgrammeTest(unittest.TestCase):
    """The whole example programme, in order, against one real server."""

    # Events of OPTIONS_DATED commands whose date is not the CommandOptions.occurred_on sent
    # (set by test_example_programme).
    options_dated = None

    @classmethod
    def setUpClass(cls):
        # Class cleanups run in reverse order, also when setUpClass fails half-way.
        cls.tmp = tempfile.mkdtemp(prefix="proeftuin-python-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        stubs = os.path.join(cls.tmp, "stubs")
        os.makedirs(stubs)
        cls.protos = generate_stubs(ARGS.proto_dir, stubs)
        cls.server = ServerProcess(ARGS.proeftuind, os.path.join(cls.tmp, "data"))
        cls.addClassCleanup(cls.server.kill)
        cls.channel = grpc.insecure_channel("127.0.0.1:%d" % cls.server.port)
        cls.addClassCleanup(cls.channel.close)
        grpc.channel_ready_future(cls.channel).result(timeout=30)
        cls.programmes = grpc_modules["programme_service"].ProgrammeServiceStub(cls.channel)
        cls.events = grpc_modules["event_service"].EventServiceStub(cls.channel)
        cls.admin = grpc_modules["admin_service"].AdminServiceStub(cls.channel)
        with open(os.path.join(cls.tmp, "data", "admin.token")) as f:
            cls.tokens = {"admin": f.read().strip()}

    # ---- helpers ------------------------------------------------------------------------------

    def auth(self, role):
        return (("authorization", "Bearer " + self.tokens[role]),)

    def call(self, role, method, request, stub=None):
        stub = stub or self.programmes
        try:
            return getattr(stub, method)(request, metadata=self.auth(role), timeout=RPC_TIMEOUT)
        except grpc.RpcError as e:
            self.fail("%s as %s failed: %s %s\nrequest:\n%s\nserver log:\n%s" % (
                method, role, e.code(), e.details(), request, self.server.log()))

    def request(self, label, command, on, reason=""):
        """The request of a command: ProgrammeService.<Command>Request with CommandOptions."""
        name = type(command).DESCRIPTOR.name
        options = v1.CommandOptions(request_id="py-example." + label, occurred_on=on, reason=reason,
                                    correlation_id="python-example-programme")
        return name, getattr(v1, name + "Request")(options=options, command=command)

    def run_step(self, label, role, command, on, reason=""):
        """Sends one command; asserts it succeeds and wrote something; returns its result."""
        name, request = self.request(label, command, on, reason)
        result = self.call(role, name, request).result
        self.assertFalse(result.duplicate, label)
        self.assertGreater(result.first_position, 0, "%s wrote nothing: %s" % (label, result))
        self.assertGreaterEqual(result.last_position, result.first_position, label)
        self.results[label] = result
        self.requests[label] = (name, request)
        self.step_dates[label] = date_tuple(on)
        self.last_position = max(self.last_position, result.last_position)
        return result

    def expect_rule(self, role, command, on, code, rule, label):
        """Sends a command that a rule refuses; asserts the status code and the rule id."""
        name, request = self.request(label, command, on)
        with self.assertRaises(grpc.RpcError, msg=label) as caught:
            getattr(self.programmes, name)(request, metadata=self.auth(role), timeout=RPC_TIMEOUT)
        e = caught.exception
        self.assertEqual(e.code(), code, "%s: %s" % (label, e.details()))
        self.assertTrue(e.details().startswith(rule + ":"), "%s: %s" % (label, e.details()))
        trailers = dict(e.trailing_metadata() or ())
        self.assertEqual(trailers.get("proeftuin-rule"), rule, "%s: trailers %s" % (label, trailers))
        return e

    def programme(self):
        return self.call("auditor", "GetProgramme",
                         v1.GetProgrammeRequest(programme_id=PROGRAMME, min_position=self.last_position))

    def experiment(self, experiment_id):
        return self.call("auditor", "GetExperiment", v1.GetExperimentRequest(
            programme_id=PROGRAMME, experiment_id=experiment_id,
            min_position=self.last_position)).experiment

    def digest(self):
        return self.call("auditor", "GetDigest", v1.GetDigestRequest(), stub=self.events)

    # ---- the test -----------------------------------------------------------------------------

    def test_example_programme(self):
        started = time.monotonic()
        self.results = {}
        self.requests = {}
        self.step_dates = {}
        self.last_position = 0
        self.create_principals()
        self.prepare()
        self.check_retry_and_rules_before_council()
        self.council_and_adoption()
        self.run_experiments()
        self.check_programme()
        self.check_experiments()
        self.check_event_log()
        code = self.server.terminate()
        self.assertEqual(code, 0, "proeftuind exited %s on SIGTERM:\n%s" % (code, self.server.log()))
        print("\nexample programme: %d commands, log at position %d, %.1f s" % (
            len(self.results), self.last_position, time.monotonic() - started), file=sys.stderr)

    # programme_service.proto: CommandOptions.occurred_on is "the business date the action took
    # place; unset: today". The server ignores it for the three commands that have no date field
    # of their own: their events are dated today on the server's clock (the domain dates them
    # DateOfUtc(now), and a per-event date wins over the request's in the store). So the draft of
    # 2024-06-03 reads as drafted on the day the test runs. Expected to fail until that is fixed;
    # then remove the decorator.
    def test_options_occurred_on_dates_commands_without_a_date_field(self):
        if self.options_dated is None:
            self.skipTest("test_example_programme did not get as far as the event log")
        self.assertEqual(self.options_dated, [])

    def create_principals(self):
        roles = [
            ("programme_manager", "pm-lv", "Programmamanager participatie (demo)", v1.ROLE_PROGRAMME_MANAGER),
            ("proposer", "intake-lv", "Intake experimenteerprogramma (demo)", v1.ROLE_PROPOSER),
            ("college", "college-lv", "Secretaris college van B&W (demo)", v1.ROLE_COLLEGE),
            ("griffie", "griffie-lv", "Griffie Leidschendam-Voorburg (demo)", v1.ROLE_COUNCIL_CLERK),
            ("evaluator", "evaluator-lv", "Onderzoeker evaluatie (demo)", v1.ROLE_EVALUATOR),
            ("auditor", "rekenkamer-lv", "Rekenkamercommissie (demo)", v1.ROLE_AUDITOR),
        ]
        for key, principal_id, name, role in roles:
            response = self.call("admin", "CreatePrincipal", v1.CreatePrincipalRequest(
                request_id="py-example.principal." + principal_id, principal_id=principal_id,
                display_name=name, role=role, reason="Python example programme test"), stub=self.admin)
            self.assertEqual(response.principal.role, role)
            self.assertTrue(response.token, "CreatePrincipal returned no token for " + principal_id)
            self.tokens[key] = response.token
        self.principal_ids = {key: pid for key, pid, _, _ in roles}

    # Part 1 (example_programme.cc): draft, the informal college session, proposals, selection.

    def design(self):
        return v1.ProgrammeDesign(
            title="Experimenteerprogramma inwonerparticipatie 2024-2027",
            goal="De ontwikkeling van inwonerparticipatie bevorderen, door het periodiek experimenteren "
                 "met nieuwe vormen van inwonerparticipatie door de gemeente.",
            legal_basis="Participatieverordening Leidschendam-Voorburg 2023, art. 3 lid 7",
            period=v1.Period(start=Day(2024, 7, 1), end=Day(2025, 12, 31)),
            evaluation_date=Day(2026, 2, 15),  # before the elections of March 2026
            budget=v1.Budget(total=Euro(140000), years=[InYear(2025, 70000), InYear(2026, 70000)],
                             source="Kadernota 2024 (eenmalig)"),
            areas=["Leidschendam", "Voorburg", "Voorburg-Noord", "Stompwijk"],
            knowledge_exchange_plan=(
                "(Digitale) gesprekstafels en bijeenkomsten met bestuur, organisatie en inwoners, o.a. "
                "de adviesraden sociaal domein en Stompwijk, wijkoverleggen, de burgerkrachtcentrale en "
                "het platform lokale democratie, en inwoners die weinig gehoord worden."),
            communication_plan="Intern via de organisatievisie; extern via lv.nl en wijkoverleggen.")

    def prepare(self):
        on = Day(2024, 6, 3)
        self.run_step("draft", "programme_manager",
                      v1.DraftProgramme(programme_id=PROGRAMME, design=self.design()), on)
        self.run_step("session-college", "programme_manager", v1.RecordKnowledgeSession(
            programme_id=PROGRAMME, kind=v1.KNOWLEDGE_SESSION_KIND_MEETING,
            title="Informele collegesessie over potentiele projecten", held_on=Day(2024, 5, 28),
            attendee_count=9, summary="Het college verkende mogelijke experimenten (demo)."), on)
        self.step_dates["session-college"] = (2024, 5, 28)  # the event's date is held_on

        on = Day(2024, 6, 10)
        for proposal in proposals(on):
            self.run_step("propose-" + proposal.experiment_id, "proposer", proposal, on)

        on = Day(2024, 6, 18)
        selection = College("B&W 24.0456", on, "Keuze experimenten ontwerpprogramma (demo)")
        for experiment_id, allocation in ALLOCATIONS_AT_DESIGN:
            self.run_step("select-" + experiment_id, "college", v1.SelectExperiment(
                programme_id=PROGRAMME, experiment_id=experiment_id, decision=selection,
                allocation=[InYear(y, e) for y, e in allocation]), on)
        self.run_step("reject-assembly", "college", v1.RejectExperiment(
            programme_id=PROGRAMME, experiment_id=ASSEMBLY, decision=selection,
            reason="Niet uitvoerbaar binnen budget en periode; meenemen in het volgende programma."), on)

    def check_retry_and_rules_before_council(self):
        on = Day(2024, 6, 18)
        # A retry with the same request_id returns the stored result and writes nothing.
        before = self.digest()
        name, request = self.requests["select-" + INTAKE]
        request = type(request).FromString(request.SerializeToString())  # a fresh copy, same bytes
        retry = self.call("college", name, request).result
        original = self.results["select-" + INTAKE]
        self.assertTrue(retry.duplicate, retry)
        self.assertEqual(retry.first_position, original.first_position)
        self.assertEqual(retry.last_position, original.last_position)
        self.assertEqual(list(retry.stream_versions), list(original.stream_versions))
        self.assertEqual(self.digest().position, before.position, "the retry wrote events")
        # The same request id with another command is refused.
        request.command.allocation[0].amount.cents += 100
        with self.assertRaises(grpc.RpcError) as caught:
            self.programmes.SelectExperiment(request, metadata=self.auth("college"), timeout=RPC_TIMEOUT)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.ALREADY_EXISTS, caught.exception.details())
        self.assertIn("PT-REQUEST-REUSED", caught.exception.details())

        # Rule violations: FAILED_PRECONDITION, the rule id first in the message and in the
        # trailing metadata "proeftuin-rule".
        adopt = v1.AdoptProgramme(programme_id=PROGRAMME, decision=College(
            "B&W 24.0399", on, "Vaststelling zonder de raad te horen (moet falen)"))
        self.expect_rule("college", adopt, on, grpc.StatusCode.FAILED_PRECONDITION,
                         "PT-COUNCIL-NOT-SUBMITTED", "adopt-before-submission")
        start = v1.StartExperiment(programme_id=PROGRAMME, experiment_id=INTAKE, started_on=on)
        self.expect_rule("programme_manager", start, on, grpc.StatusCode.FAILED_PRECONDITION,
                         "PT-PROGRAMME-NOT-ADOPTED", "start-before-adoption")
        self.assertEqual(self.digest().position, before.position, "a refused command wrote events")

    # Part 1 continued: the council's wishes and objections (wensen en bedenkingen), adoption,
    # the period extension.

    def council_and_adoption(self):
        on = Day(2024, 6, 20)
        self.run_step("submit-to-council", "griffie", v1.SubmitProgrammeToCouncil(
            programme_id=PROGRAMME,
            council_reference=v1.CouncilReference(
                meeting_id="raad-2024-07-02", meeting_date=Day(2024, 7, 2), agenda_item="9",
                document_id="RV-2024-031",
                document_title="Ontwerp experimenteerprogramma inwonerparticipatie (demo)",
                document_url="https://lv.bestuurlijkeinformatie.nl/"),
            submitted_on=on, response_deadline=Day(2024, 7, 2)), on)

        on = Day(2024, 7, 2)
        inputs = [
            ("wish-youth", v1.COUNCIL_INPUT_KIND_WISH,
             "Betrek jongeren en inwoners van Stompwijk nadrukkelijk bij de experimenten.", ""),
            ("objection-platform", v1.COUNCIL_INPUT_KIND_OBJECTION,
             "Bedenking: het digitale platform mag niet duurder worden dan begroot en moet "
             "toegankelijk zijn voor inwoners zonder digitale vaardigheden.", PLATFORM),
            ("wish-parking", v1.COUNCIL_INPUT_KIND_WISH, "Raadpleeg ook de ondernemers rond de Mall.",
             PARKING),
        ]
        for label, kind, text, about in inputs:
            self.run_step(label, "griffie", v1.RecordCouncilInput(
                programme_id=PROGRAMME, kind=kind, text=text,
                source_kind=v1.COUNCIL_INPUT_SOURCE_KIND_MINUTES,
                source_reference="Besluitenlijst raad 2 juli 2024, agendapunt 9 (demo)",
                concerns_experiment_id=about, received_on=on), on)
        # Adopting with unanswered council input is refused.
        self.expect_rule("college", v1.AdoptProgramme(programme_id=PROGRAMME, decision=College(
            "B&W 24.0500", on, "Vaststelling (moet falen)")), on, grpc.StatusCode.FAILED_PRECONDITION,
            "PT-COUNCIL-OPEN", "adopt-with-open-input")

        on = Day(2024, 7, 8)
        answers = [
            ("wb-1", v1.DISPOSITION_ADOPTED, "Het jongerenpanel Stompwijk is opgenomen."),
            ("wb-2", v1.DISPOSITION_PARTLY_ADOPTED,
             "Het budget blijft gelijk; een papieren variant wordt niet toegezegd."),
            ("wb-3", v1.DISPOSITION_ADOPTED, "Ondernemers worden apart uitgenodigd."),
        ]
        for input_id, disposition, motivation in answers:
            self.run_step("answer-" + input_id, "college", v1.AnswerCouncilInput(
                programme_id=PROGRAMME, input_id=input_id, disposition=disposition,
                motivation=motivation, answered_on=on), on)

        on = Day(2024, 7, 9)
        self.run_step("adopt", "college", v1.AdoptProgramme(programme_id=PROGRAMME, decision=College(
            "B&W 24.0512", on, "Vaststelling experimenteerprogramma (demo)")), on)
        self.expect_rule("griffie", v1.RecordCouncilInput(
            programme_id=PROGRAMME, kind=v1.COUNCIL_INPUT_KIND_WISH, text="Te laat (moet falen).",
            received_on=on), on, grpc.StatusCode.FAILED_PRECONDITION, "PT-COUNCIL-CLOSED",
            "council-input-after-adoption")

        on = Day(2024, 7, 10)
        design = self.design()
        design.period.end.CopyFrom(Day(2027, 3, 31))
        design.evaluation_date.CopyFrom(Day(2027, 2, 15))
        self.run_step("extend-period", "programme_manager", v1.AmendProgramme(
            programme_id=PROGRAMME, design=design,
            reason="Zoals aangekondigd op lv.nl (9 juli 2024): de gemeente experimenteert tot en met "
                   "begin 2027 en evalueert begin 2027, zodat ook langer lopende experimenten zoals het "
                   "uitdaagrecht geevalueerd kunnen worden."), on)

    # Part 2 (example_run.cc): starts, a withdrawal, a selection after adoption, activities,
    # expenditure, progress, an early stop, a correction, knowledge sessions, evaluations.

    def run_experiments(self):
        pm, ev = "programme_manager", "evaluator"
        self.run_step("start-intake", pm, start(INTAKE, Day(2024, 9, 2)), Day(2024, 9, 2))
        self.run_step("start-gardens", pm, start(GARDENS, Day(2024, 9, 2)), Day(2024, 9, 2))
        self.run_step("start-parking", pm, start(PARKING, Day(2024, 9, 16)), Day(2024, 9, 16))
        on = Day(2024, 9, 20)
        self.run_step("withdraw-youth-panel", pm, v1.WithdrawExperiment(
            programme_id=PROGRAMME, experiment_id=YOUTH_PANEL,
            reason="De dorpsvisie Stompwijk is uitgesteld naar 2026; het panel kan niet aan een "
                   "lopend traject worden gekoppeld.", withdrawn_on=on), on)
        on = Day(2024, 10, 1)
        self.run_step("start-platform", pm, start(PLATFORM, on), on)
        # After adoption a selection needs its own college decision (rule 4).
        self.expect_rule("college", v1.SelectExperiment(
            programme_id=PROGRAMME, experiment_id=CHALLENGE, allocation=[InYear(2025, 10000)]),
            on, grpc.StatusCode.INVALID_ARGUMENT, "PT-DECISION-REQUIRED", "select-after-adoption-no-decision")
        challenge = v1.SelectExperiment(
            programme_id=PROGRAMME, experiment_id=CHALLENGE,
            decision=College("B&W 24.0733", on, "Toevoeging uitdaagrecht (demo)"),
            allocation=[InYear(2025, 10000), InYear(2026, 20000)])
        # The college cannot allocate more than a budget year holds: of 2025's EUR 70,000, EUR
        # 55,000 is allocated (67,000 minus the youth panel's released 12,000).
        greedy = v1.SelectExperiment()
        greedy.CopyFrom(challenge)
        greedy.allocation[0].amount.cents = Euro(15001).cents
        self.expect_rule("college", greedy, on, grpc.StatusCode.FAILED_PRECONDITION,
                         "PT-BUDGET-YEAR-EXCEEDED", "select-over-year-budget")
        self.run_step("select-challenge", "college", challenge, on)
        self.run_step("start-challenge", pm, start(CHALLENGE, Day(2024, 11, 1)), Day(2024, 11, 1))

        self.run_step("activity-intake-1", pm, activity(
            INTAKE, Day(2024, 10, 5), v1.ACTIVITY_KIND_STREET_CONVERSATIONS, 85, 14,
            "Eerste straten (demo)."), Day(2024, 10, 5))
        self.run_step("activity-parking", pm, activity(
            PARKING, Day(2024, 10, 14), v1.ACTIVITY_KIND_ONLINE_CONSULTATION, 1460, 35,
            "Ruim 1.400 van circa 5.000 huishoudens (demo)."), Day(2024, 10, 14))
        self.run_step("activity-gardens", pm, activity(
            GARDENS, Day(2024, 10, 20), v1.ACTIVITY_KIND_WORKSHOP, 30, 4,
            "Werksessie initiatiefnemers (demo)."), Day(2024, 10, 20))
        # An invoice entered as EUR 4,500 instead of EUR 450 (corrected below).
        self.run_step("spend-intake-print", pm, spend(
            INTAKE, Day(2024, 11, 4), 4500, 2025, "Drukwerk uitnodigingen", "F-2024-1187"),
            Day(2024, 11, 4))
        self.run_step("activity-platform", pm, activity(
            PLATFORM, Day(2024, 11, 10), v1.ACTIVITY_KIND_ONLINE_CONSULTATION, 60, 2,
            "Weinig aanmeldingen (demo)."), Day(2024, 11, 10))
        self.run_step("activity-intake-2", pm, activity(
            INTAKE, Day(2024, 11, 16), v1.ACTIVITY_KIND_STREET_CONVERSATIONS, 120, 22,
            "Tweede ronde (demo)."), Day(2024, 11, 16))

        on = Day(2024, 11, 21)
        self.run_step("session-table", pm, v1.RecordKnowledgeSession(
            programme_id=PROGRAMME, held_on=on, kind=v1.KNOWLEDGE_SESSION_KIND_DIGITAL_CONVERSATION_TABLE,
            title="Digitale gesprekstafel met de Adviesraad Sociaal Domein", attendee_count=18,
            organisations=["Adviesraad Sociaal Domein"],
            summary="Eerste ervaringen met de straatgewijze intake gedeeld (demo).",
            experiment_ids=[INTAKE], seldom_heard_groups_reached=["mantelzorgers"],
            named_attendees=[v1.PersonContact(name="A. Jansen (demo)"),
                             v1.PersonContact(name="R. El Idrissi (demo)")]), on)
        self.run_step("spend-parking-1", pm, spend(
            PARKING, Day(2024, 11, 25), 12000, 2025, "Licentie en analyse raadpleging", "F-2024-1240"),
            Day(2024, 11, 25))
        self.run_step("progress-intake", pm, progress(
            INTAKE, Day(2024, 12, 15), 50, "Helft van de straten bezocht."), Day(2024, 12, 15))
        self.run_step("complete-parking", pm, complete(PARKING, Day(2024, 12, 20)), Day(2024, 12, 20))
        # A late invoice: the consultation is over-spent (EUR 18,250 of EUR 15,000).
        self.run_step("spend-parking-2", pm, spend(
            PARKING, Day(2025, 1, 10), 6250, 2025, "Extra analyse reacties ondernemers (wens wb-3)",
            "F-2025-0031"), Day(2025, 1, 10))
        self.run_step("activity-challenge", pm, activity(
            CHALLENGE, Day(2025, 1, 15), v1.ACTIVITY_KIND_MEETING, 45, 3,
            "Informatieavond uitdaagrecht (demo)."), Day(2025, 1, 15))
        self.run_step("spend-platform", pm, spend(
            PLATFORM, Day(2025, 1, 31), 9000, 2025, "Platformlicentie", "F-2025-0102"), Day(2025, 1, 31))
        on = Day(2025, 2, 14)
        self.run_step("stop-platform", pm, v1.StopExperimentEarly(
            programme_id=PROGRAMME, experiment_id=PLATFORM,
            reason="Te weinig deelname (60 accounts na vier maanden) en de leverancier stopt met het "
                   "product.", stopped_on=on), on)
        stopped = self.experiment(PLATFORM)
        self.assertEqual(stopped.status, v1.EXPERIMENT_STATUS_STOPPED_EARLY)
        self.assertEqual(date_tuple(stopped.ended_on), (2025, 2, 14))

        on = Day(2025, 2, 20)
        self.run_step("evaluate-parking", ev, evaluation(
            PARKING, on, [v1.SCORE_GOOD, v1.SCORE_SUFFICIENT, v1.SCORE_INSUFFICIENT, v1.SCORE_SUFFICIENT],
            v1.CONCLUSION_ADAPT, "Terugkoppeling eerder plannen; ondernemers apart raadplegen."), on)
        # A running experiment is not evaluated yet (rule 6).
        self.expect_rule(ev, evaluation(INTAKE, on, [v1.SCORE_GOOD] * 4, v1.CONCLUSION_CONTINUE, ""), on,
                         grpc.StatusCode.FAILED_PRECONDITION, "PT-EVALUATE-NOT-ENDED",
                         "evaluate-running-experiment")
        on = Day(2025, 3, 3)
        self.run_step("correct-intake-print", pm, v1.RecordCorrection(
            programme_id=PROGRAMME, experiment_id=INTAKE,
            corrected_position=self.results["spend-intake-print"].first_position,
            fields=v1.CorrectedFields(amount=Euro(450)),
            reason="Bedrag verkeerd ingevoerd: factuur F-2024-1187 is EUR 450,00."), on)
        on = Day(2025, 3, 12)
        self.run_step("session-stompwijk", pm, session(
            on, v1.KNOWLEDGE_SESSION_KIND_ADVISORY_COUNCIL, "Adviesraad Stompwijk", 11,
            "Adviesraad Stompwijk", "Lessen over het bereiken van jongeren (demo)."), on)
        self.run_step("spend-intake-2", pm, spend(
            INTAKE, Day(2025, 3, 20), 9800, 2025, "Procesbegeleiding straatgesprekken", "F-2025-0177"),
            Day(2025, 3, 20))
        on = Day(2025, 4, 10)
        self.run_step("evaluate-platform", ev, evaluation(
            PLATFORM, on, [v1.SCORE_INSUFFICIENT, v1.SCORE_INSUFFICIENT, v1.SCORE_SUFFICIENT,
                           v1.SCORE_INSUFFICIENT],
            v1.CONCLUSION_STOP, "Een los platform werkt niet zonder actieve werving."), on)
        self.run_step("spend-gardens-1", pm, spend(
            GARDENS, Day(2025, 4, 15), 6500, 2025, "Regisseur initiatieven", "F-2025-0201"),
            Day(2025, 4, 15))

        on = Day(2025, 6, 5)
        self.run_step("session-wijkoverleg", pm, session(
            on, v1.KNOWLEDGE_SESSION_KIND_NEIGHBOURHOOD_CONSULTATION, "Wijkoverleg Voorburg-Noord", 40,
            "Wijkoverleg Voorburg-Noord", "Uitkomsten straatgewijze intake besproken (demo)."), on)
        on = Day(2025, 6, 30)
        self.run_step("complete-intake", pm, complete(INTAKE, on), on)
        self.run_step("spend-challenge-1", pm, spend(
            CHALLENGE, on, 14000, 2025, "Begeleiding pilots", "F-2025-0410"), on)
        # A late invoice after completion, booked to 2026.
        self.run_step("spend-intake-3", pm, spend(
            INTAKE, Day(2025, 7, 1), 3200, 2026, "Verslaglegging", "F-2025-0415"), Day(2025, 7, 1))
        on = Day(2025, 9, 15)
        self.run_step("evaluate-intake", ev, evaluation(
            INTAKE, on, [v1.SCORE_GOOD, v1.SCORE_GOOD, v1.SCORE_SUFFICIENT, v1.SCORE_GOOD],
            v1.CONCLUSION_CONTINUE, "Breed inzetbaar in andere wijken."), on)
        self.run_step("complete-gardens", pm, complete(GARDENS, Day(2025, 9, 30)), Day(2025, 9, 30))
        on = Day(2025, 11, 10)
        self.run_step("evaluate-gardens", ev, evaluation(
            GARDENS, on, [v1.SCORE_SUFFICIENT, v1.SCORE_GOOD, v1.SCORE_GOOD, v1.SCORE_GOOD],
            v1.CONCLUSION_CONTINUE, "Vaste regisseur houdt doorlooptijd kort."), on)
        # A late invoice after the evaluation.
        self.run_step("spend-gardens-late", pm, spend(
            GARDENS, Day(2025, 12, 5), 1250, 2026, "Nagekomen factuur plantmateriaal", "F-2025-0702"),
            Day(2025, 12, 5))

        on = Day(*LAST_STEP_DATE)
        self.run_step("spend-challenge-2", pm, spend(
            CHALLENGE, on, 12500, 2026, "Tweede pilot", "F-2026-0321"), on)
        self.run_step("progress-challenge", pm, progress(CHALLENGE, on, 80, "Twee taken overgedragen."), on)
        # Not run (dated after today on the server's clock): complete-challenge (2026-12-15),
        # evaluate-challenge (2027-01-20), evaluate-programme (2027-02-15), close (2027-03-31).
        # A completion dated in the future is refused; the date is taken from this machine's
        # clock so the check stays true whenever the test runs.
        future = datetime.date.today() + datetime.timedelta(days=30)
        future_day = Day(future.year, future.month, future.day)
        self.expect_rule(pm, complete(CHALLENGE, future_day), future_day, grpc.StatusCode.INVALID_ARGUMENT,
                         "PT-DATE-IN-FUTURE", "complete-in-future")
        self.expect_rule(ev, v1.EvaluateProgramme(programme_id=PROGRAMME, findings="Te vroeg (moet falen).",
                                                  evaluated_on=Day(*LAST_STEP_DATE)),
                         Day(*LAST_STEP_DATE), grpc.StatusCode.FAILED_PRECONDITION,
                         "PT-PROGRAMME-EXPERIMENTS-OPEN", "evaluate-programme-with-running-experiment")

    # ---- checks -------------------------------------------------------------------------------

    def check_programme(self):
        response = self.programme()
        self.assertGreaterEqual(response.as_of_position, self.last_position)
        p = response.programme
        self.assertEqual(p.programme_id, PROGRAMME)
        self.assertEqual(p.status, v1.PROGRAMME_STATUS_ADOPTED)
        self.assertEqual(p.design.title, "Experimenteerprogramma inwonerparticipatie 2024-2027")
        self.assertEqual(p.design.budget.total.cents, 14000000)
        self.assertEqual([(y.year, y.amount.cents) for y in p.design.budget.years],
                         [(2025, 7000000), (2026, 7000000)])
        self.assertEqual(p.design.budget.source, "Kadernota 2024 (eenmalig)")
        self.assertEqual(date_tuple(p.design.period.start), (2024, 7, 1))
        self.assertEqual(date_tuple(p.design.period.end), (2027, 3, 31))  # extended
        self.assertEqual(date_tuple(p.design.evaluation_date), (2027, 2, 15))
        self.assertEqual(p.amendment_count, 1)
        self.assertEqual(p.adoption.identification, "B&W 24.0512")
        self.assertEqual(p.adoption.deciding_body, v1.DECIDING_BODY_COLLEGE)
        self.assertEqual(date_tuple(p.adoption.decision_date), (2024, 7, 9))
        self.assertEqual(p.submission.council_reference.document_id, "RV-2024-031")
        self.assertEqual([(i.input_id, i.kind, i.experiment_id, i.answered, i.disposition)
                          for i in p.council_inputs],
                         [("wb-1", v1.COUNCIL_INPUT_KIND_WISH, "", True, v1.DISPOSITION_ADOPTED),
                          ("wb-2", v1.COUNCIL_INPUT_KIND_OBJECTION, PLATFORM, True,
                           v1.DISPOSITION_PARTLY_ADOPTED),
                          ("wb-3", v1.COUNCIL_INPUT_KIND_WISH, PARKING, True, v1.DISPOSITION_ADOPTED)])
        allocations = [(a.experiment_id, [(y.year, y.amount.cents // 100) for y in a.allocation],
                        a.added_after_adoption, a.released) for a in p.allocations]
        expected = [(e, [tuple(x) for x in alloc], False, e == YOUTH_PANEL)
                    for e, alloc in ALLOCATIONS_AT_DESIGN]
        expected.append((CHALLENGE, [(2025, 10000), (2026, 20000)], True, False))
        self.assertEqual(allocations, expected)
        # What still counts: EUR 103,000 of 140,000 (the youth panel's EUR 12,000 was released).
        counted = sum(y.amount.cents for a in p.allocations if not a.released for y in a.allocation)
        self.assertEqual(counted, 10300000)
        self.assertEqual([(s.session_id, s.kind, date_tuple(s.held_on), s.attendee_count)
                          for s in p.knowledge_sessions],
                         [("ks-1", v1.KNOWLEDGE_SESSION_KIND_MEETING, (2024, 5, 28), 9),
                          ("ks-2", v1.KNOWLEDGE_SESSION_KIND_DIGITAL_CONVERSATION_TABLE, (2024, 11, 21), 18),
                          ("ks-3", v1.KNOWLEDGE_SESSION_KIND_ADVISORY_COUNCIL, (2025, 3, 12), 11),
                          ("ks-4", v1.KNOWLEDGE_SESSION_KIND_NEIGHBOURHOOD_CONSULTATION, (2025, 6, 5), 40)])
        # ListProgrammes holds it too.
        listed = self.call("auditor", "ListProgrammes",
                           v1.ListProgrammesRequest(min_position=self.last_position))
        self.assertEqual([q.programme_id for q in listed.programmes], [PROGRAMME])

    def check_experiments(self):
        # Paged: 7 experiments, 3 per page, in id order.
        experiments, token, pages = [], "", 0
        while True:
            page = self.call("evaluator", "ListExperiments", v1.ListExperimentsRequest(
                programme_id=PROGRAMME, page_size=3, page_token=token, min_position=self.last_position))
            pages += 1
            self.assertLessEqual(len(page.experiments), 3)
            experiments.extend(page.experiments)
            token = page.next_page_token
            if not token:
                break
            self.assertLess(pages, 10, "ListExperiments does not end")
        self.assertEqual(pages, 3)
        statuses = {e.experiment_id: e.status for e in experiments}
        self.assertEqual([e.experiment_id for e in experiments], sorted(statuses))
        self.assertEqual(statuses, {
            GARDENS: v1.EXPERIMENT_STATUS_EVALUATED,
            ASSEMBLY: v1.EXPERIMENT_STATUS_REJECTED,
            PLATFORM: v1.EXPERIMENT_STATUS_EVALUATED,  # stopped early, then evaluated
            YOUTH_PANEL: v1.EXPERIMENT_STATUS_WITHDRAWN,
            PARKING: v1.EXPERIMENT_STATUS_EVALUATED,
            INTAKE: v1.EXPERIMENT_STATUS_EVALUATED,
            CHALLENGE: v1.EXPERIMENT_STATUS_STARTED,  # completes 2026-12-15, after today
        })
        by_id = {e.experiment_id: e for e in experiments}

        intake = by_id[INTAKE]
        self.assertEqual(intake.spent.cents, (450 + 9800 + 3200) * 100)  # after the correction
        self.assertEqual([(y.year, y.amount.cents) for y in intake.spent_per_year],
                         [(2025, (450 + 9800) * 100), (2026, 320000)])
        self.assertEqual(intake.correction_count, 1)
        self.assertEqual((intake.activity_count, intake.participant_count, intake.seldom_heard_reached_count),
                         (2, 205, 36))
        self.assertEqual(intake.conclusion, v1.CONCLUSION_CONTINUE)
        self.assertEqual([s.score for s in intake.scores],
                         [v1.SCORE_GOOD, v1.SCORE_GOOD, v1.SCORE_SUFFICIENT, v1.SCORE_GOOD])
        self.assertEqual(date_tuple(intake.ended_on), (2025, 6, 30))
        self.assertEqual(len(intake.design.criteria), 4)
        self.assertEqual(date_tuple(intake.design.conditions.planning.start), (2024, 9, 1))

        parking = by_id[PARKING]
        self.assertEqual(parking.spent.cents, 1825000)  # over-spent: more than its allocation
        self.assertEqual(sum(a.amount.cents for a in parking.allocation), 1500000)
        self.assertEqual(parking.conclusion, v1.CONCLUSION_ADAPT)

        platform = by_id[PLATFORM]
        self.assertTrue(platform.end_reason.startswith("Te weinig deelname"), platform.end_reason)
        self.assertEqual(date_tuple(platform.ended_on), (2025, 2, 14))
        self.assertEqual(platform.conclusion, v1.CONCLUSION_STOP)

        self.assertEqual(by_id[GARDENS].spent.cents, (6500 + 1250) * 100)
        self.assertEqual(by_id[GARDENS].proposer.kind, v1.PROPOSER_KIND_RESIDENT)

        youth = by_id[YOUTH_PANEL]
        self.assertTrue(youth.was_selected)
        self.assertFalse(youth.started)
        self.assertTrue(youth.end_reason.startswith("De dorpsvisie Stompwijk"), youth.end_reason)

        assembly = by_id[ASSEMBLY]
        self.assertEqual(assembly.rejection_decision.identification, "B&W 24.0456")
        self.assertFalse(assembly.was_selected)

        challenge = by_id[CHALLENGE]
        self.assertTrue(challenge.added_after_adoption)
        self.assertEqual(challenge.selection_decision.identification, "B&W 24.0733")
        self.assertEqual(date_tuple(challenge.started_on), (2024, 11, 1))
        self.assertEqual(challenge.progress_percent, 80)
        self.assertEqual(challenge.spent.cents, (14000 + 12500) * 100)

        # GetExperiment agrees with the list.
        self.assertEqual(self.experiment(CHALLENGE), challenge)

    def check_event_log(self):
        digest = self.digest()
        events, position, reads = [], 1, 0
        while True:
            page = self.call("auditor", "ReadAll", v1.ReadAllRequest(from_position=position, max_count=50),
                             stub=self.events)
            reads += 1
            events.extend(page.events)
            if page.end_of_log:
                break
            self.assertGreater(page.next_position, position, "ReadAll does not advance")
            position = page.next_position
            self.assertLess(reads, 1000)
        positions = [e.header.position for e in events]
        self.assertEqual(positions, list(range(1, len(events) + 1)), "positions are not gap-free from 1")
        self.assertGreaterEqual(len(events), self.last_position)
        self.assertEqual(digest.position, len(events))
        self.assertRegex(digest.head_hash, r"^[0-9a-f]{64}$")
        self.assertEqual(events[-1].hash.hex(), digest.head_hash)
        for previous, event in zip(events, events[1:]):
            self.assertEqual(event.header.previous_hash, previous.hash,
                             "hash chain broken at %d" % event.header.position)

        # Every command's events are in the log under its request id, by the right principal,
        # none redacted for the auditor, dated with the business dates given (none defaulted to
        # today). The commands without a date field of their own (DraftProgramme, AmendProgramme,
        # RecordCorrection) are dated by CommandOptions.occurred_on alone: checked apart, in
        # test_options_occurred_on_dates_commands_without_a_date_field.
        by_request = {}
        for event in events:
            by_request.setdefault(event.header.request_id, []).append(event)
        types_seen = set()
        undated = []
        for label, result in self.results.items():
            written = by_request.get("py-example." + label, [])
            self.assertEqual([e.header.position for e in written],
                             list(range(result.first_position, result.last_position + 1)), label)
            for event in written:
                types_seen.add(event.header.type)
                self.assertFalse(event.redacted, label)
                self.assertEqual(event.header.correlation_id, "python-example-programme", label)
                self.assertTrue(event.header.stream.startswith(("programme-", "experiment-")), label)
                if date_tuple(event.header.occurred_on) != self.step_dates[label]:
                    undated.append((label, event.header.type, date_tuple(event.header.occurred_on)))
        type(self).options_dated = [u for u in undated if u[0] in OPTIONS_DATED]
        self.assertEqual([u for u in undated if u[0] not in OPTIONS_DATED], [],
                         "events not dated with the business date sent")
        self.assertEqual(by_request["py-example.draft"][0].header.actor.principal_id, "pm-lv")
        self.assertEqual(by_request["py-example.adopt"][0].header.actor.principal_id, "college-lv")
        for expected in ("ProgrammeDrafted", "ProgrammeAmended", "ProgrammeSubmittedToCouncil",
                         "CouncilInputRecorded", "CouncilInputAnswered", "ProgrammeAdopted",
                         "KnowledgeSessionHeld", "ExperimentProposed", "ExperimentSelected",
                         "ExperimentRejected", "ExperimentWithdrawn", "BudgetReleased",
                         "ExperimentStarted", "ActivityRecorded", "ExpenditureRecorded",
                         "ProgressReported", "ExperimentStoppedEarly", "ExperimentCompleted",
                         "ExperimentEvaluated", "CorrectionRecorded"):
            self.assertIn("proeftuin.v1." + expected, types_seen)


# The commands whose events only CommandOptions.occurred_on can date (no date field of their own).
OPTIONS_DATED = ("draft", "extend-period", "correct-intake-print")

# ---- the example's data (services/domain/example_experiments.cc) ------------------------------

# The college's selection in the design programme (2024-06-18): euros per budget year.
ALLOCATIONS_AT_DESIGN = [
    (INTAKE, [(2025, 15000), (2026, 5000)]),
    (PARKING, [(2025, 15000)]),
    (GARDENS, [(2025, 10000), (2026, 8000)]),
    (YOUTH_PANEL, [(2025, 12000)]),
    (PLATFORM, [(2025, 15000), (2026, 5000)]),
]

# id, title, form, trajectory, phase, level, area, target group, seldom-heard group, design,
# involvement, euros requested, hours, planning start, end, milestone, due, proposer kind,
# organisation, own criterion id, description, norm.
SPECS = [
    (INTAKE, "Straatgewijze intake Voorburg-Noord",
     "Straatgewijze intake: per straat huis-aan-huis gesprekken voordat plannen worden gemaakt",
     "Wijkaanpak Voorburg-Noord", "POLICY_PHASE_DEVELOPMENT", "PARTICIPATION_LEVEL_ADVISE",
     "Voorburg-Noord", "bewoners van Voorburg-Noord", "huurders en anderstalige bewoners",
     "Per straat een gespreksronde aan de deur en een straatbijeenkomst",
     "Bewoners bepalen per straat de drie belangrijkste opgaven", 20000, 240,
     (2024, 9, 1), (2025, 6, 30), "alle straten van fase 1 bezocht", (2025, 1, 31),
     "PROPOSER_KIND_CIVIL_SERVANT", "Team Wijkzaken", "opbrengst",
     "Bruikbaarheid van de opgehaalde opgaven voor de wijkaanpak", "opgaven opgenomen in wijkplan"),
    (PARKING, "Online raadpleging parkeren rond de Mall", "Online raadpleging van circa 5.000 huishoudens",
     "Parkeerbeleid rond de Mall of the Netherlands", "POLICY_PHASE_DEVELOPMENT",
     "PARTICIPATION_LEVEL_CONSULT", "Leidschendam", "circa 5.000 huishoudens rond de Mall",
     "ouderen zonder internet (papieren variant)",
     "Online vragenlijst met kaartmodule, papieren variant op aanvraag",
     "Huishoudens geven hun voorkeur voor parkeerregulering per straat", 15000, 120,
     (2024, 9, 15), (2024, 12, 20), "raadpleging gesloten", (2024, 11, 15),
     "PROPOSER_KIND_CIVIL_SERVANT", "Team Mobiliteit", "respons", "Respons op de raadpleging",
     "minstens 25% van de huishoudens"),
    (GARDENS, "Sneller afhandelen van inwonersinitiatieven (adoptietuinen)",
     "Inwonersinitiatieven zoals adoptietuinen binnen vier weken afhandelen met een vaste regisseur",
     "Beheer openbare ruimte: adoptiegroen", "POLICY_PHASE_EXECUTION", "PARTICIPATION_LEVEL_SELF_ORGANISE",
     "Leidschendam-Voorburg", "initiatiefnemers groen", "bewoners die nog nooit een initiatief indienden",
     "Eén regisseur per initiatief, vaste doorlooptijd, eenvoudig aanvraagformulier",
     "Bewoners beheren zelf hun adoptietuin", 18000, 160,
     (2024, 9, 1), (2025, 9, 30), "twintig initiatieven afgehandeld", (2025, 3, 31),
     "PROPOSER_KIND_RESIDENT", "", "doorlooptijd", "Doorlooptijd van aanvraag tot besluit",
     "binnen vier weken"),
    (CHALLENGE, "Uitdaagrecht (right to challenge)",
     "Inwoners dagen de gemeente uit een taak zelf beter uit te voeren",
     "Uitvoering gemeentelijke taken in de openbare ruimte", "POLICY_PHASE_EXECUTION",
     "PARTICIPATION_LEVEL_CO_DECIDE", "Leidschendam-Voorburg", "bewonersgroepen en verenigingen",
     "kleine buurtinitiatieven zonder rechtsvorm", "Procedure en toetsingskader voor uitdagingen, twee pilots",
     "Bewoners nemen een taak over", 30000, 300,
     (2024, 11, 1), (2026, 12, 31), "eerste uitdaging gehonoreerd", (2025, 6, 30),
     "PROPOSER_KIND_COUNCIL_MEMBER", "gemeenteraad", "overdracht",
     "Taken daadwerkelijk overgedragen aan inwoners", "minstens één taak"),
    (ASSEMBLY, "Burgerberaad klimaat", "Burgerberaad van gelote inwoners", "Klimaatadaptatie",
     "POLICY_PHASE_DEVELOPMENT", "PARTICIPATION_LEVEL_CO_DECIDE", "Leidschendam-Voorburg",
     "gelote inwoners", "jongeren onder de 25", "Zes bijeenkomsten met deskundigen, advies aan de raad",
     "Gelote inwoners adviseren", 90000, 600,
     (2025, 1, 1), (2025, 12, 31), "advies aan de raad", (2025, 11, 30),
     "PROPOSER_KIND_ORGANISATION", "Platform Lokale Democratie", "advies", "Kwaliteit van het advies",
     "advies overgenomen of gemotiveerd afgewezen"),
    (YOUTH_PANEL, "Jongerenpanel Stompwijk", "Vast jongerenpanel dat meedenkt over de dorpsvisie",
     "Dorpsvisie Stompwijk", "POLICY_PHASE_DEVELOPMENT", "PARTICIPATION_LEVEL_ADVISE", "Stompwijk",
     "jongeren uit Stompwijk", "jongeren die niet in verenigingen actief zijn",
     "Panel van vijftien jongeren, vier sessies", "Jongeren adviseren over de dorpsvisie", 12000, 80,
     (2024, 10, 1), (2025, 6, 30), "advies opgeleverd", (2025, 5, 31),
     "PROPOSER_KIND_ORGANISATION", "Adviesraad Stompwijk", "continuiteit",
     "Panelleden die alle sessies bijwonen", "minstens tien"),
    (PLATFORM, "Digitaal participatieplatform", "Doorlopend digitaal platform voor meedenken",
     "Omgevingsvisie", "POLICY_PHASE_DEVELOPMENT", "PARTICIPATION_LEVEL_CONSULT", "Leidschendam-Voorburg",
     "alle inwoners", "inwoners die niet naar bijeenkomsten komen",
     "Platform met peilingen, ideeën en terugkoppeling", "Inwoners reageren op voorstellen", 20000, 100,
     (2024, 10, 1), (2025, 9, 30), "500 accounts", (2025, 1, 31),
     "PROPOSER_KIND_CIVIL_SERVANT", "Team Communicatie", "gebruik", "Actief gebruik van het platform",
     "minstens 500 actieve accounts"),
]

# The criteria every experiment shares (toetsingscriteria), then its own.
COMMON_CRITERIA = [
    ("bereik", "Bereik en inclusiviteit: wie deed mee, ook wie weinig gehoord wordt",
     "deelnemers en aandeel weinig gehoorde groepen", "voldoende: breder dan gebruikelijk"),
    ("invloed", "Invloed: wat deed het beleid met de inbreng (trede beloofd vs. bereikt)",
     "besluiten die de inbreng aantoonbaar gebruiken", "trede gehaald zoals beloofd"),
    ("terugkoppeling", "Terugkoppeling aan deelnemers", "deelnemers die terugkoppeling kregen",
     "alle deelnemers binnen 6 weken"),
]


def proposals(proposed_on):
    """The ProposeExperiment commands of the seven experiments."""
    result = []
    for (eid, title, form, trajectory, phase, level, area, group, seldom_heard, design, involvement,
         euros, hours, start_on, end_on, milestone, due_on, proposer_kind, organisation,
         criterion_id, criterion, norm) in SPECS:
        criteria = [v1.EvaluationCriterion(criterion_id=c, description=d, indicator=i, norm=n)
                    for c, d, i, n in COMMON_CRITERIA]
        criteria.append(v1.EvaluationCriterion(criterion_id=criterion_id, description=criterion,
                                               indicator="zie ontwerp", norm=norm))
        proposal = v1.ProposeExperiment(
            programme_id=PROGRAMME, experiment_id=eid,
            design=v1.ExperimentDesign(
                title=title, participation_form=form, policy_trajectory=trajectory,
                policy_phase=getattr(v1, phase), participation_level=getattr(v1, level), areas=[area],
                target_groups=[v1.TargetGroup(name=group),
                               v1.TargetGroup(name=seldom_heard, seldom_heard=True)],
                conditions=v1.ExecutionConditions(
                    design=design, resident_involvement=involvement, budget_requested=Euro(euros),
                    civil_servant_hours=hours,
                    resources_note="Bedragen en uren zijn demo-gegevens (verzonnen maar plausibel).",
                    planning=v1.Planning(start=Day(*start_on), end=Day(*end_on),
                                         milestones=[v1.Milestone(name=milestone, due_on=Day(*due_on))])),
                criteria=criteria),
            proposer=v1.Proposer(kind=getattr(v1, proposer_kind), organisation=organisation,
                                 channel="intake experimenteerprogramma"),
            proposed_on=proposed_on)
        if eid == GARDENS:  # proposed by a resident: the name and contact are personal data
            proposal.proposer_contact.CopyFrom(v1.PersonContact(
                name="M. Bakker (demo)", email="m.bakker@example.nl", address="Voorburg-Noord"))
        result.append(proposal)
    return result


def start(experiment_id, on):
    return v1.StartExperiment(programme_id=PROGRAMME, experiment_id=experiment_id, started_on=on)


def complete(experiment_id, on):
    return v1.CompleteExperiment(programme_id=PROGRAMME, experiment_id=experiment_id, completed_on=on)


def activity(experiment_id, on, kind, participants, seldom_heard, note):
    return v1.RecordActivity(programme_id=PROGRAMME, experiment_id=experiment_id, held_on=on, kind=kind,
                             participant_count=participants, seldom_heard_reached_count=seldom_heard,
                             note=note)


def spend(experiment_id, on, euros, year, what, invoice):
    return v1.RecordExpenditure(programme_id=PROGRAMME, experiment_id=experiment_id, spent_on=on,
                                amount=Euro(euros), budget_year=year, description=what,
                                reference=v1.DocumentReference(document_id=invoice))


def progress(experiment_id, on, percent, note):
    return v1.ReportProgress(programme_id=PROGRAMME, experiment_id=experiment_id, reported_on=on,
                             percent_complete=percent, note=note)


def session(on, kind, title, attendees, organisation, summary):
    return v1.RecordKnowledgeSession(programme_id=PROGRAMME, held_on=on, kind=kind, title=title,
                                     attendee_count=attendees, organisations=[organisation],
                                     summary=summary)


def evaluation(experiment_id, on, scores, conclusion, lessons):
    """Scores every criterion of the experiment, in order."""
    spec = next(s for s in SPECS if s[0] == experiment_id)
    criterion_ids = [c[0] for c in COMMON_CRITERIA] + [spec[19]]
    return v1.EvaluateExperiment(
        programme_id=PROGRAMME, experiment_id=experiment_id,
        scores=[v1.CriterionScore(criterion_id=c, score=s, assessor="Onderzoeker evaluatie (demo)",
                                  evidence=[v1.DocumentReference(document_id="evaluatie-" + experiment_id,
                                                                 title="Evaluatieverslag (demo)")])
                for c, s in zip(criterion_ids, scores)],
        conclusion=conclusion, lessons=lessons, evaluated_on=on)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proeftuind", default=ARGS.proeftuind, help="the proeftuind binary")
    parser.add_argument("--proto-dir", default=ARGS.proto_dir, help="the proto/ directory")
    args, rest = parser.parse_known_args()
    ARGS.proeftuind = os.path.abspath(args.proeftuind)
    ARGS.proto_dir = os.path.abspath(args.proto_dir)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
