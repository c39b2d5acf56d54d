"""newsflow's production topology (docker-compose.yaml) without Docker.

Starts Airflow on a fresh PostgreSQL database of its own with CeleryExecutor and Redis: api-server,
scheduler, dag-processor, triggerer and N Celery workers, each an ordinary process in its own process
group (``start_new_session=True``), logging to files in a temporary AIRFLOW_HOME. Everything it creates is
removed on stop: the processes (SIGINT to every process group, then SIGTERM, then SIGKILL, then a sweep for
anything still carrying this stack's id in its environment), the database, the Redis database it claimed,
the temporary folder.

    python scripts/stack.py up                      # start, print URL + admin password, stop on Ctrl-C
    python scripts/stack.py demo --workers 2 --files 200 --batch-size 25

Services (override with environment variables):
    NEWSFLOW_STACK_PG     postgresql://postgres@127.0.0.1:5432   (needs CREATE DATABASE; trust auth here)
    NEWSFLOW_STACK_REDIS  redis://127.0.0.1:6379                 (the stack claims an empty db index 1..15)

The scheduled run that unpausing creates: even with ``catchup=False``, unpausing ``news_ingest`` makes the
scheduler create the latest scheduled run at once (logical date = the DAG's ``next_dagrun_logical_date``:
today 00:00 UTC for ``@daily`` under Airflow 3's cron *trigger* timetable), which would ingest the DAG's
default landing. ``trigger()`` therefore triggers while the DAG is still paused *with that very logical
date*, then unpauses: the scheduler finds a run for
``next_dagrun`` already there, skips creating one and moves ``next_dagrun`` on to the next interval (due
tomorrow 00:00 UTC). So exactly one run happens (a run still going at 00:00 UTC gets the next day's
scheduled run queued behind it: max_active_runs=1) and its partition is ``next_dagrun_logical_date``'s day.
As a second guard the stack's NEWSFLOW_LAKE / NEWSFLOW_LANDING defaults point into the temporary folder.

Partitioned schedules (issue 25: ``news_ingest`` runs on a ``CronPartitionTimetable``): the scheduler's
"a run for next_dagrun already exists" check compares logical dates, and scheduled partitioned runs have
none, so the trigger above no longer stops unpausing from creating today's scheduled run. A stack for
``demo`` and the tests therefore runs with ``[scheduler] use_job_schedule`` off (``Stack(scheduled_runs=False)``,
the default): the scheduler creates no scheduled or asset-triggered runs and only runs what is triggered.
``up`` keeps the schedule on.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.prefix) / "bin" if (Path(sys.prefix) / "bin" / "airflow").exists() else REPO / ".venv" / "bin"
DAG_ID = "news_ingest"
PG_URL = os.environ.get("NEWSFLOW_STACK_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("NEWSFLOW_STACK_REDIS", "redis://127.0.0.1:6379")
MARKER = "NEWSFLOW_STACK_ID"  # in every stack process's environment: how stragglers are found
REDIS_CLAIM_KEY = "newsflow_stack:claim"
TERMINAL = {"success", "failed"}

# Env variables never inherited by the stack: its configuration is exactly what _env() sets.
_STRIP_PREFIXES = ("AIRFLOW__", "AIRFLOW_", "_AIRFLOW", "NEWSFLOW_LAKE", "NEWSFLOW_LANDING")


class StackError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------- services


def _pg_parts() -> dict:
    url = urllib.parse.urlsplit(PG_URL)
    return {"host": url.hostname or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
            "password": url.password}


def _pg_connect(dbname: str = "postgres", timeout: int = 3):
    import psycopg2

    parts = _pg_parts()
    conn = psycopg2.connect(dbname=dbname, connect_timeout=timeout,
                            **{k: v for k, v in parts.items() if v is not None})
    conn.autocommit = True
    return conn


def _redis(db: int = 0):
    import redis

    url = urllib.parse.urlsplit(REDIS_URL)
    return redis.Redis(host=url.hostname or "127.0.0.1", port=url.port or 6379, db=db, password=url.password,
                       socket_timeout=3, socket_connect_timeout=3)


def services_unavailable() -> str | None:
    """None when PostgreSQL and Redis answer; otherwise why not (for a pytest skip message)."""
    problems = []
    try:
        with contextlib.closing(_pg_connect()) as conn, conn.cursor() as cur:
            cur.execute("select 1")
    except Exception as exc:
        problems.append(f"PostgreSQL at {PG_URL} not reachable ({type(exc).__name__}: {str(exc).strip()[:200]})")
    try:
        _redis().ping()
    except Exception as exc:
        problems.append(f"Redis at {REDIS_URL} not reachable ({type(exc).__name__}: {str(exc).strip()[:200]})")
    return "; ".join(problems) or None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------- processes


def _proc_environ_has(pid: int, needle: bytes) -> bool:
    try:
        return needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session=True: the leader's pid is the group id


@dataclass
class RunResult:
    run_id: str
    state: str
    logical_date: str
    partition: str
    wall_seconds: float  # trigger -> terminal state, as seen by the client
    run_seconds: float | None  # the run's own start_date -> end_date
    task_instances: list[dict] = field(default_factory=list)

    def per_worker(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ti in self.task_instances:
            if ti.get("state") == "success":
                counts[ti.get("hostname") or "?"] = counts.get(ti.get("hostname") or "?", 0) + 1
        return dict(sorted(counts.items()))


class Stack:
    """The Celery stack as a context manager: ``with Stack(workers=2) as stack: stack.trigger(...)``."""

    def __init__(self, workers: int = 2, concurrency: int = 1, api_workers: int = 1, home: Path | None = None,
                 landing: Path | None = None, lake: Path | None = None, keep_home: bool = False,
                 echo=print, scheduled_runs: bool = False):
        self.stack_id = secrets.token_hex(4)
        self.workers = workers
        self.concurrency = concurrency
        self.api_workers = api_workers
        self.keep_home = keep_home
        self.scheduled_runs = scheduled_runs  # off: only triggered runs run (see the module docstring)
        self.echo = echo
        self._own_home = home is None
        self.home = Path(home or tempfile.mkdtemp(prefix=f"newsflow-stack-{self.stack_id}-")).resolve()
        self.db_name = f"newsflow_stack_{self.stack_id}"
        self.redis_db: int | None = None
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.username = "admin"
        self.password = secrets.token_urlsafe(12)
        # Generated once per stack and shared by every process (tokens signed by one are checked by another).
        self._secrets = {"fernet": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                         "jwt": secrets.token_urlsafe(32), "api": secrets.token_urlsafe(32)}
        self.landing = Path(landing) if landing else REPO / "seeds"
        self.lake = Path(lake) if lake else self.home / "lake"
        self.worker_names = [f"worker{i + 1}-{self.stack_id}" for i in range(workers)]
        self.services: list[Service] = []
        self.timings: dict[str, float] = {}
        self._db_created = False
        self._token: str | None = None
        self._stopped = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 300) -> None:
        reason = services_unavailable()
        if reason:
            raise StackError(reason)
        self._create_database()
        self._claim_redis_db()
        self._write_home()
        t0 = time.monotonic()
        preflight = subprocess.Popen(  # the workers' import chain, checked while the DB migrates
            [str(VENV_BIN / "python"), "-c", "import airflow.providers.celery.executors.celery_executor"],
            env=self._env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.home)
        self._airflow_cli(["db", "migrate"], "migrate", timeout=600)
        self.timings["migrate_s"] = time.monotonic() - t0
        output = preflight.communicate(timeout=300)[0].decode(errors="replace")
        if preflight.returncode:
            raise StackError("Celery workers cannot start: importing the Celery executor fails "
                             f"(celery {_dist_version('celery')}, apache-airflow-providers-celery "
                             f"{_dist_version('apache-airflow-providers-celery')}):\n" + output[-3000:])
        t0 = time.monotonic()
        self._launch()
        self.wait_healthy(timeout=timeout)
        self.timings["healthy_s"] = time.monotonic() - t0
        self.wait_dag(timeout=timeout)
        self.timings["dag_parsed_s"] = time.monotonic() - t0

    def _create_database(self) -> None:
        with contextlib.closing(_pg_connect()) as conn, conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True

    def _claim_redis_db(self) -> None:
        """Claim an empty Redis database index (SET NX of a claim key, then check nothing else is in it)."""
        try:
            count = int(_redis().config_get("databases").get("databases", 16))
        except Exception:
            count = 16
        for index in range(1, count):
            client = _redis(index)
            if not client.set(REDIS_CLAIM_KEY, self.stack_id, nx=True, ex=12 * 3600):
                continue
            if client.dbsize() == 1:
                self.redis_db = index
                return
            client.delete(REDIS_CLAIM_KEY)
        raise StackError(f"no empty Redis database index in 1..{count - 1} at {REDIS_URL}")

    def _write_home(self) -> None:
        (self.home / "stack-logs").mkdir(parents=True, exist_ok=True)
        (self.home / "pythonpath").mkdir(exist_ok=True)
        # Two workers on one machine would report the same FQDN as task-instance hostname; each worker's
        # tasks report the worker's own name instead ([core] hostname_callable, set for workers only).
        (self.home / "pythonpath" / "newsflow_stack_hooks.py").write_text(
            "import os, socket\n\n\ndef hostname():\n"
            "    return os.environ.get('NEWSFLOW_STACK_HOSTNAME') or socket.getfqdn()\n")
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        passwords.write_text(json.dumps({self.username: self.password}) + "\n")
        passwords.chmod(0o600)
        self.lake.mkdir(parents=True, exist_ok=True)

    def _env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIP_PREFIXES)}
        pg = _pg_parts()
        auth = pg["user"] + (f":{urllib.parse.quote(pg['password'])}" if pg["password"] else "")
        db_url = f"{auth}@{pg['host']}:{pg['port']}/{self.db_name}"
        redis_url = urllib.parse.urlsplit(REDIS_URL)
        env.update({
            MARKER: self.stack_id,
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(self.home / "pythonpath"), env.get("PYTHONPATH")])),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.username}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE":
                str(self.home / "simple_auth_manager_passwords.json.generated"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{db_url}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{db_url}",
            "AIRFLOW__CELERY__BROKER_URL":
                f"redis://{redis_url.netloc or '127.0.0.1:6379'}/{self.redis_db}",
            "AIRFLOW__CORE__FERNET_KEY": self._secrets["fernet"],
            "AIRFLOW__API_AUTH__JWT_SECRET": self._secrets["jwt"],
            "AIRFLOW__API__SECRET_KEY": self._secrets["api"],
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self._ports["triggerer"]),
            "GX_ANALYTICS_ENABLED": "False",
            "NEWSFLOW_LANDING": str(self.landing),
            "NEWSFLOW_LAKE": str(self.lake),
        })
        if not self.scheduled_runs:
            env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] = "False"
        env.update(extra)
        return env

    @property
    def _ports(self) -> dict:
        if not hasattr(self, "_port_map"):
            self._port_map = {"triggerer": _free_port(), **{name: _free_port() for name in self.worker_names}}
        return self._port_map

    def _airflow_cli(self, args: list[str], name: str, timeout: float) -> None:
        log = self.home / "stack-logs" / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.run([str(VENV_BIN / "airflow"), *args], env=self._env(), stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout, cwd=self.home, start_new_session=True)
        if proc.returncode:
            raise StackError(f"airflow {' '.join(args)} exited {proc.returncode}:\n{_tail(log)}")

    def _launch(self) -> None:
        airflow = str(VENV_BIN / "airflow")
        specs = [
            ("api-server", [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port),
                            "--workers", str(self.api_workers)], {}),
            ("scheduler", [airflow, "scheduler"], {}),
            ("dag-processor", [airflow, "dag-processor"], {}),
            ("triggerer", [airflow, "triggerer"], {}),
        ]
        for name in self.worker_names:
            specs.append((name, [airflow, "celery", "worker", "--celery-hostname", f"{name}@%h",
                                 "--concurrency", str(self.concurrency)],
                          {"NEWSFLOW_STACK_HOSTNAME": name,
                           # heavy imports once per worker, inherited by every forked task
                           "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "newsflow.runtime.celery_preload.CELERY_CONFIG",
                           "AIRFLOW__CORE__HOSTNAME_CALLABLE": "newsflow_stack_hooks.hostname",
                           "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self._ports[name])}))
        for name, argv, extra in specs:
            service = Service(name, argv, self._env(**extra), self.home / "stack-logs" / f"{name}.log")
            with open(service.log, "wb") as out:
                service.proc = subprocess.Popen(argv, env=service.env, stdout=out, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, cwd=self.home, start_new_session=True)
            self.services.append(service)

    def _check_alive(self) -> None:
        for service in self.services:
            if service.proc.poll() is not None:
                raise StackError(f"{service.name} exited with {service.proc.returncode}; "
                                 f"last lines of {service.log}:\n{_tail(service.log)}")

    def wait_healthy(self, timeout: float = 300) -> dict:
        """Until /api/v2/monitor/health says every component is healthy and every Celery worker answers."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                health = self._request("GET", "/api/v2/monitor/health", auth=False)
                last = health
                if all((health.get(part) or {}).get("status") == "healthy"
                       for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")):
                    missing = set(self.worker_names) - self.ping_workers()
                    if not missing:
                        return health
                    last = {"health": health, "celery workers not answering": sorted(missing)}
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as exc:
                last = exc
            time.sleep(1)
        raise StackError(f"stack not healthy after {timeout:.0f}s; last: {last}")

    def ping_workers(self) -> set[str]:
        """Names of the Celery workers that answer a control ping through this stack's broker."""
        from celery import Celery

        broker = self.services[0].env["AIRFLOW__CELERY__BROKER_URL"]
        app = Celery(broker=broker)
        try:
            replies = app.control.ping(timeout=1.0) or []
        finally:
            app.close()
        return {name.split("@", 1)[0] for reply in replies for name in reply}  # "<name>@<host>"

    def wait_dag(self, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                return self._request("GET", f"/api/v2/dags/{DAG_ID}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
            time.sleep(1)
        raise StackError(f"{DAG_ID} not parsed after {timeout:.0f}s; see {self.home / 'stack-logs'}")

    # ------------------------------------------------------------------ REST API

    def token(self) -> str:
        if self._token is None:
            body = self._request("POST", "/auth/token", {"username": self.username, "password": self.password},
                                 auth=False)
            self._token = body["access_token"]
        return self._token

    def _request(self, method: str, path: str, body: dict | None = None, auth: bool = True,
                 timeout: float = 30):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def trigger(self, conf: dict, logical_date: str | None = None) -> dict:
        """Trigger news_ingest while paused, then unpause (see the module docstring for why)."""
        dag = self._request("GET", f"/api/v2/dags/{DAG_ID}")
        if not dag.get("is_paused", True):
            raise StackError(f"{DAG_ID} is already unpaused: its scheduled run may already exist")
        logical_date = logical_date or dag.get("next_dagrun_logical_date") or \
            datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
        run = self._request("POST", f"/api/v2/dags/{DAG_ID}/dagRuns",
                            {"logical_date": logical_date, "conf": conf,
                             "dag_run_id": f"stack__{self.stack_id}__{int(time.time())}"})
        self._request("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
        return run

    def pause(self) -> None:
        """Pause news_ingest again (before triggering another run: ``trigger`` unpauses it)."""
        self._request("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": True})

    def dag_runs(self) -> list[dict]:
        return self._request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"]

    def wait_run(self, run_id: str, timeout: float = 600, poll: float = 2) -> dict:
        deadline = time.monotonic() + timeout
        quoted = urllib.parse.quote(run_id, safe="")
        while True:
            run = self._request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}")
            if run["state"] in TERMINAL:
                return run
            if time.monotonic() > deadline:
                raise StackError(f"run {run_id} still {run['state']} after {timeout:.0f}s")
            self._check_alive()
            time.sleep(poll)

    def task_instances(self, run_id: str) -> list[dict]:
        quoted = urllib.parse.quote(run_id, safe="")
        out, offset = [], 0
        while True:
            page = self._request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quoted}/taskInstances"
                                        f"?limit=100&offset={offset}")
            out.extend(page["task_instances"])
            offset += len(page["task_instances"])
            if not page["task_instances"] or offset >= page["total_entries"]:
                return out

    def run_dag(self, landing: Path | str, lake: Path, batch_size: int, timeout: float = 600,
                logical_date: str | None = None, **params: str) -> RunResult:
        """Trigger one run (``params``: further DAG params, e.g. ``ccnews_base``) and wait for its end."""
        conf = {"landing": str(landing), "lake": str(lake), "batch_size": batch_size} | params
        t0 = time.monotonic()
        run = self.trigger(conf, logical_date)
        final = self.wait_run(run["dag_run_id"], timeout=timeout)
        wall = time.monotonic() - t0
        run_seconds = None
        if final.get("start_date") and final.get("end_date"):
            run_seconds = (_parse_ts(final["end_date"]) - _parse_ts(final["start_date"])).total_seconds()
        logical = final.get("logical_date") or final.get("run_after")
        return RunResult(run_id=final["dag_run_id"], state=final["state"], logical_date=logical,
                         partition=_parse_ts(logical).astimezone(UTC).date().isoformat(),
                         wall_seconds=wall, run_seconds=run_seconds,
                         task_instances=self.task_instances(final["dag_run_id"]))

    # ------------------------------------------------------------------ inspection

    def stack_pids(self) -> list[int]:
        """Every live process of this stack: in one of its process groups or carrying its id in its env."""
        groups = {s.pgid for s in self.services if s.proc is not None}
        needle = f"{MARKER}={self.stack_id}".encode()
        me = os.getpid()
        return sorted(pid for pid in _pids()
                      if pid != me and not _is_zombie(pid)
                      and (_pgid(pid) in groups or _proc_environ_has(pid, needle)))

    def pss(self) -> dict[str, int]:
        """PSS in KiB per service (its process group, plus task processes that left it), and 'total'."""
        by_group = {s.pgid: s.name for s in self.services if s.proc is not None}
        out: dict[str, int] = {}
        for pid in self.stack_pids():
            name = by_group.get(_pgid(pid), "other (tasks)")
            out[name] = out.get(name, 0) + _pss_kib(pid)
        out["total"] = sum(out.values())
        return out

    # ------------------------------------------------------------------ stop

    def stop(self, grace: float = 30) -> list[int]:
        """SIGINT every process group, wait; SIGTERM, then SIGKILL what is left; drop DB and Redis db.

        Returns the pids still alive at the end (empty when the stop was clean)."""
        if self._stopped:
            return []
        self._stopped = True
        survivors: list[int] = []
        try:
            for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 15), (signal.SIGKILL, 10)):
                live = self._live_groups()
                if not live:
                    break
                if sig != signal.SIGINT:
                    self.echo(f"stack: {', '.join(s.name for s in live)} still running: {sig.name}")
                for service in live:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(service.pgid, sig)
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline and self._live_groups():
                    time.sleep(0.2)
            # Task processes put themselves in their own group (supervisor setpgid): sweep by env marker.
            for pid in self.stack_pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.stack_pids():
                time.sleep(0.2)
            survivors = self.stack_pids()
        finally:
            self._drop_database()
            self._release_redis()
            if self._own_home and not self.keep_home:
                shutil.rmtree(self.home, ignore_errors=True)
        return survivors

    def _live_groups(self) -> list[Service]:
        live = []
        for service in self.services:
            if service.proc is None:
                continue
            service.proc.poll()  # reap the leader so a zombie does not count as alive
            if any(_pgid(pid) == service.pgid and not _is_zombie(pid) for pid in _pids()):
                live.append(service)
        return live

    def _drop_database(self) -> None:
        if not self._db_created:
            return
        with contextlib.closing(_pg_connect()) as conn, conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self._db_created = False

    def database_exists(self) -> bool:
        with contextlib.closing(_pg_connect()) as conn, conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (self.db_name,))
            return cur.fetchone() is not None

    def _release_redis(self) -> None:
        if self.redis_db is None:
            return
        client = _redis(self.redis_db)
        if client.get(REDIS_CLAIM_KEY) == self.stack_id.encode():
            client.flushdb()
        self.redis_db = None

    def redis_keys(self, index: int) -> int:
        return _redis(index).dbsize()


# ---------------------------------------------------------------------------------------------- helpers


def _parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def build_landing(folder: Path, files: int, seeds: bool = True) -> Path:
    """seeds/ plus ``files`` distinct generated news pages (tests/helpers.py's generator)."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from helpers import article_html, story_paragraphs
    finally:
        sys.path.remove(str(REPO / "tests"))
    folder.mkdir(parents=True, exist_ok=True)
    if seeds:
        for seed in sorted((REPO / "seeds").iterdir()):
            shutil.copy2(seed, folder / seed.name)
    for index in range(files):
        html = article_html(f"Story number {index}", story_paragraphs(1000 + index, 8),
                            url=f"https://news.example.com/2019/02/15/story-{index}.html")
        (folder / f"story_{index:04d}.html").write_text(html, encoding="utf-8")
    return folder


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


# ---------------------------------------------------------------------------------------------- CLI


def cmd_up(args) -> int:
    stopping = []

    def on_signal(signum, frame):  # first Ctrl-C/SIGTERM: leave the wait loop and stop cleanly
        stopping.append(signum)

    with Stack(workers=args.workers, concurrency=args.concurrency,
               landing=args.landing, lake=args.lake, scheduled_runs=True) as stack:
        print(f"newsflow stack {stack.stack_id} healthy in {stack.timings['healthy_s']:.1f}s "
              f"(migrate {stack.timings['migrate_s']:.1f}s)")
        print(f"  UI / API:  {stack.url}   user {stack.username}   password {stack.password}")
        print(f"  database:  {stack.db_name}   redis db {stack.redis_db}   AIRFLOW_HOME {stack.home}")
        print(f"  logs:      {stack.home / 'stack-logs'}")
        print(f"  defaults:  landing {stack.landing}   lake {stack.lake} (removed on stop)")
        print(f"  {DAG_ID} is paused; unpausing it at once creates the latest scheduled run on those defaults.")
        print("Ctrl-C stops everything.", flush=True)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        while not stopping:
            try:
                stack._check_alive()
            except StackError as exc:
                print(f"stack: {exc}", file=sys.stderr)
                break
            time.sleep(1)
        print("stopping ...", flush=True)
        survivors = stack.stop()
    print("stopped" + (f"; survivors {survivors}" if survivors else " cleanly"))
    return 1 if survivors else 0


def cmd_demo(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="newsflow-demo-"))
    try:
        landing = build_landing(work / "landing", args.files)
        lake = work / "lake"
        with Stack(workers=args.workers, concurrency=args.concurrency, landing=landing, lake=lake,
                   keep_home=args.keep) as stack:
            print(f"stack healthy in {stack.timings['healthy_s']:.1f}s (migrate {stack.timings['migrate_s']:.1f}s,"
                  f" DAG parsed at {stack.timings['dag_parsed_s']:.1f}s)", flush=True)
            time.sleep(args.idle_wait)
            pss = stack.pss()
            print("idle PSS: " + ", ".join(f"{k} {_mib(v)}" for k, v in pss.items()), flush=True)
            result = stack.run_dag(landing, lake, args.batch_size, timeout=args.timeout)
            batches = sum(1 for ti in result.task_instances if ti["task_id"] == "batch.ingest")
            print(f"run {result.run_id}: {result.state}; partition date={result.partition}; "
                  f"{len(list(landing.iterdir()))} files in {batches} batches of {args.batch_size}")
            run_s = f"{result.run_seconds:.1f}s" if result.run_seconds is not None else "?"
            print(f"  wall time: {result.wall_seconds:.1f}s trigger->{result.state} (run start->end {run_s}) "
                  f"with {args.workers} worker(s) x concurrency {args.concurrency}")
            print("  task instances per worker: " + ", ".join(f"{k} {v}" for k, v in result.per_worker().items()))
            for ti in sorted(result.task_instances, key=lambda t: (t.get("start_date") or "", t["task_id"])):
                if args.verbose:
                    print(f"    {ti['task_id']}[{ti.get('map_index')}] {ti.get('state')} on {ti.get('hostname')}"
                          f" {ti.get('duration') or 0:.1f}s")
            if args.json:
                print(json.dumps({"workers": args.workers, "files": args.files, "batch_size": args.batch_size,
                                  "state": result.state, "wall_s": result.wall_seconds,
                                  "run_s": result.run_seconds, "per_worker": result.per_worker(),
                                  "timings": stack.timings, "idle_pss_kib": pss}))
            survivors = stack.stop()
            print("stopped" + (f"; SURVIVORS {survivors}" if survivors else " cleanly (no process left, DB dropped)"))
        return 0 if result.state == "success" and not survivors else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack, print URL + admin password, stop on Ctrl-C")
    demo = sub.add_parser("demo", help="start, run news_ingest once on a generated landing, report, stop")
    for p in (up, demo):
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--concurrency", type=int, default=1, help="task slots per Celery worker")
    up.add_argument("--landing", type=Path, default=None, help="the DAG's default landing (default: seeds/)")
    up.add_argument("--lake", type=Path, default=None, help="the DAG's default lake (default: in the temp home)")
    demo.add_argument("--files", type=int, default=20, help="generated pages besides the 3 seeds")
    demo.add_argument("--batch-size", type=int, default=5)
    demo.add_argument("--timeout", type=float, default=1800)
    demo.add_argument("--idle-wait", type=float, default=10, help="seconds idle before measuring PSS")
    demo.add_argument("--verbose", "-v", action="store_true", help="list every task instance")
    demo.add_argument("--json", action="store_true", help="also print one JSON line of the numbers")
    demo.add_argument("--keep", action="store_true", help="keep the temporary AIRFLOW_HOME (logs) after stop")
    args = parser.parse_args(argv)
    if reason := services_unavailable():
        print(f"stack: {reason}", file=sys.stderr)
        return 2
    return cmd_up(args) if args.command == "up" else cmd_demo(args)


if __name__ == "__main__":
    sys.exit(main())
