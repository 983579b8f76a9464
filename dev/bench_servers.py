"""Benchmark of several Odoo servers: the delivery through OCA queue_job by one, then two servers.

Run by dev/bench_servers.sh (`make bench-servers`) once the template database holds the queued
messages (dev/bench_servers_data.py). For each round of BENCH_SERVERS_COUNTS (default ``1 2``) it
copies the template (``CREATE DATABASE ... TEMPLATE``: the same queue every round), starts that many
Odoo servers on it, each a prefork server (``--workers``, default 2) with queue_job's job runner,
behind a small load balancer of its own (this file: least busy server first), and has the
delivery cron enqueue the delivery as queue_job jobs: "Run manually" over XML-RPC, the addon's own
path (``_cron_deliver`` -> ``_enqueue_deliveries``). It times until every job is done and no due
message is left, then stops the servers and drops the copy.

Several job runners on one database: queue_job 18.0's runner takes a PostgreSQL advisory lock per
database (``pg_try_advisory_lock``) before it dispatches anything; the runner that gets it is the
only one dispatching, the others retry every 5 seconds (hot standby). So every server runs a job
runner, all of them configured to dispatch to the load balancer (``ODOO_QUEUE_JOB_HOST`` /
``ODOO_QUEUE_JOB_PORT``, as queue_job's README configures ``host = load-balancer``), and the
channel capacity (``ODOO_QUEUE_JOB_CHANNELS=root:N``) is the number of HTTP workers of all the
servers: whichever runner is elected fills every server's workers.

The database's share: PostgreSQL's own count of the time its backends spent executing statements
on the copy (``pg_stat_database.active_time``, PostgreSQL 14+: no extension, no restart), read
before the delivery and after the servers have stopped (a backend's statistics are flushed when it
exits), against the time the jobs ran on the servers' workers (queue_job's ``exec_time``) and the
wall time; beside it, ``pg_stat_activity`` sampled every 0.2 s (active backends x interval) as a
cross-check, and the CPU time of the Odoo processes (psutil).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from contextlib import closing, suppress

import psutil
import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build")
LOGS = os.path.join(BUILD, "bench-servers")
PIDS = os.path.join(LOGS, "servers.pid")
PYTHON = os.environ.get("PYTHON", sys.executable)
CONF = os.environ["BENCH_SERVERS_CONF"]
TEMPLATE = os.environ["BENCH_SERVERS_DB"]
PORTS = [int(port) for port in os.environ.get("BENCH_SERVERS_PORTS", "8069 8070 8071").split()]
WORKERS = int(os.environ.get("BENCH_SERVERS_WORKERS", "2"))
COUNTS = [int(count) for count in os.environ.get("BENCH_SERVERS_COUNTS", "1 2").split()]
TIMEOUT = float(os.environ.get("BENCH_SERVERS_TIMEOUT", "3600"))
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", "odoo"),
}
POLL = 0.2
CRON_XMLID = ("account_credit_recovery", "ir_cron_deliver_collection_messages")


def load():
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def connect(dbname):
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    return conn


def admin(sql, *args):
    """``sql`` on the maintenance database, in a connection of its own (closed after)."""
    with closing(connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute(sql, args)
        return cr.fetchall() if cr.description else None


class Balancer:
    """What sits in front of the servers in production (haproxy, nginx): a TCP forwarder on
    127.0.0.1:``port`` that sends each connection to the server with the fewest requests in
    flight. A request stays in flight until the server closes the connection, even when the
    client has gone: queue_job's runner drops its ``/queue_job/runjob`` request after one second
    while the job goes on running on the server's worker."""

    def __init__(self, port, backends):
        self.backends = backends
        self.in_flight = dict.fromkeys(backends, 0)
        self.served = dict.fromkeys(backends, 0)
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.listener.settimeout(0.5)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client):
        with self.lock:
            backend = min(self.backends, key=lambda port: (self.in_flight[port], self.served[port]))
            self.in_flight[backend] += 1
            self.served[backend] += 1
        try:
            with client, socket.create_connection(("127.0.0.1", backend)) as server:
                threading.Thread(target=self._pump_request, args=(client, server), daemon=True).start()
                client_open = True
                while data := server.recv(65536):
                    if client_open:
                        try:
                            client.sendall(data)
                        except OSError:
                            client_open = False  # the runner has gone: drain the server anyway
        except OSError:
            pass
        finally:
            with self.lock:
                self.in_flight[backend] -= 1

    @staticmethod
    def _pump_request(client, server):
        try:
            while data := client.recv(65536):
                server.sendall(data)
        except OSError:
            pass

    def close(self):
        self.stopping = True
        self.listener.close()
        self.thread.join()


class Servers:
    """``count`` Odoo servers on database ``db``, each in a process group of its own."""

    def __init__(self, db, count, balancer_port, tag):
        self.db = db
        self.ports = PORTS[:count]
        self.logs = [os.path.join(LOGS, f"{tag}-server{index + 1}.log") for index in range(count)]
        env = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{count * WORKERS}",
            ODOO_QUEUE_JOB_HOST="127.0.0.1",
            ODOO_QUEUE_JOB_PORT=str(balancer_port),
        )
        self.processes = []
        for port, log in zip(self.ports, self.logs, strict=True):
            if os.path.exists(log):
                os.remove(log)
            command = [PYTHON, odoo_bin(), "-c", CONF, "-d", db, f"--db-filter=^{db}$"]
            command += [f"--http-port={port}", f"--workers={WORKERS}", "--max-cron-threads=0"]
            # No port for the websocket (gevent) process: the system chooses a free one.
            command += ["--gevent-port=0", "--limit-time-real=1800", "--limit-time-cpu=1800"]
            command += [f"--logfile={log}", "--log-level=info"]
            self.processes.append(subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
        # For dev/bench_servers.sh, should this process die without stopping them.
        with open(PIDS, "w", encoding="ascii") as pids:
            pids.write("".join(f"{process.pid}\n" for process in self.processes))

    def wait_ready(self, timeout=300):
        """Every server answers HTTP and one job runner holds the database: True."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                return False
            answering = all(_answers(port) for port in self.ports)
            if answering and any(_runner_ready(log, self.db) for log in self.logs):
                return True
            time.sleep(1)
        return False

    def cpu_seconds(self):
        total = 0.0
        for process in self.processes:
            try:
                tree = [psutil.Process(process.pid)]
                tree += tree[0].children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for member in tree:
                try:
                    times = member.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
        return total

    def pids_by_server(self):
        pids = []
        for process in self.processes:
            try:
                pids.append({child.pid for child in psutil.Process(process.pid).children(recursive=True)})
            except psutil.NoSuchProcess:
                pids.append(set())
        return pids

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        for process in self.processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(1, deadline - time.monotonic()))
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group: workers, job runner, gevent
            process.wait()
        os.remove(PIDS)


def odoo_bin():
    """Odoo's launcher script: not ``python -m odoo``, since a prefork server starts its websocket
    process again as ``sys.argv[0] gevent``, which a module's ``__main__.py`` cannot be."""
    import odoo  # noqa: PLC0415 - only its location

    script = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    return script if os.path.exists(script) else shutil.which("odoo")


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"GET /web/health HTTP/1.0\r\nHost: localhost\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def _runner_ready(log, db):
    try:
        with open(log, encoding="utf-8", errors="replace") as lines:
            return f"queue job runner ready for db {db}" in lines.read()
    except FileNotFoundError:
        return False


def _log_count(log, text):
    with open(log, encoding="utf-8", errors="replace") as lines:
        return sum(text in line for line in lines)


def trigger_delivery(port, db):
    """The delivery cron, "Run manually" on the first server: it enqueues the delivery's jobs."""
    common = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
    uid = common.authenticate(db, "admin", "admin", {})
    if not uid:
        raise RuntimeError(f"cannot log in as admin on {db}")
    models = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/object", allow_none=True)
    data = models.execute_kw(
        db, uid, "admin", "ir.model.data", "search_read",
        [[("module", "=", CRON_XMLID[0]), ("name", "=", CRON_XMLID[1])]], {"fields": ["res_id"]},
    )  # fmt: skip
    models.execute_kw(db, uid, "admin", "ir.cron", "method_direct_trigger", [[data[0]["res_id"]]])


def active_time(db):
    """Milliseconds PostgreSQL's backends spent executing statements on ``db`` (flushed stats)."""
    rows = admin("SELECT COALESCE(active_time, 0) FROM pg_stat_database WHERE datname = %s", db)
    return rows[0][0] / 1000.0 if rows else 0.0


def _plural(count):
    return f"{count} server{'s' if count > 1 else ''}"


def _wait_delivered(cr, db, logs, started):
    """Poll until no job is left to run and no message is due; returns the seconds PostgreSQL's
    backends were seen active on ``db`` (``pg_stat_activity`` sampled every POLL seconds)."""
    sampled_active = 0.0
    samples = 0
    while True:
        time.sleep(POLL)
        cr.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
            (db,),
        )
        sampled_active += cr.fetchone()[0] * POLL
        samples += 1
        if samples % 5:
            continue
        cr.execute(
            "SELECT count(*) FILTER (WHERE state NOT IN ('done', 'failed', 'cancelled')), "
            "count(*) FILTER (WHERE state = 'failed') FROM queue_job"
        )
        unfinished, failed = cr.fetchone()
        cr.execute(
            "SELECT count(*) FROM credit_recovery_dispatch WHERE state = 'queued' "
            "AND scheduled_at <= (now() AT TIME ZONE 'utc')"
        )
        due = cr.fetchone()[0]
        if not unfinished and not due:
            return sampled_active
        if failed:
            raise RuntimeError(f"a delivery job failed: see {', '.join(logs)}")
        if time.perf_counter() - started > TIMEOUT:
            raise RuntimeError(f"not delivered in {TIMEOUT:.0f} s: {unfinished} jobs left, {due} messages due")


def _deliver(servers, db):
    """Trigger the delivery on running ``servers`` and measure it until every message is out."""
    if not servers.wait_ready():
        raise RuntimeError(f"the servers did not start: see {', '.join(servers.logs)}")
    time.sleep(3)  # the start-up's statistics flushed before the baseline
    result = {"load_before": load(), "db_before": active_time(db)}
    cpu_before = servers.cpu_seconds()
    with closing(connect(db)) as monitor, monitor.cursor() as cr:
        cr.execute("SELECT count(*) FROM credit_recovery_dispatch WHERE state = 'queued'")
        queued = cr.fetchone()[0]
        started = time.perf_counter()
        trigger_delivery(servers.ports[0], db)
        result["sampled_db_time"] = _wait_delivered(cr, db, servers.logs, started)
        result["elapsed"] = time.perf_counter() - started
        result["cpu"] = servers.cpu_seconds() - cpu_before
        result["load_after"] = load()
        cr.execute("SELECT state, count(*) FROM credit_recovery_dispatch GROUP BY state")
        result["states"] = dict(cr.fetchall())
        result["messages"] = queued - result["states"].get("queued", 0)
        cr.execute("SELECT worker_pid, count(*), sum(exec_time) FROM queue_job GROUP BY worker_pid")
        jobs_by_pid = cr.fetchall()
        cr.execute("SELECT exec_time FROM queue_job WHERE exec_time IS NOT NULL ORDER BY exec_time")
        times = [row[0] for row in cr.fetchall()] or [0.0]
    result["job_median"], result["job_max"] = times[len(times) // 2], times[-1]
    result["jobs"] = sum(row[1] for row in jobs_by_pid)
    result["job_time"] = sum(row[2] or 0.0 for row in jobs_by_pid)
    result["jobs_per_server"] = [
        sum(row[1] for row in jobs_by_pid if row[0] in server_pids) for server_pids in servers.pids_by_server()
    ]
    return result


def run_round(count, balancer_port):
    """One round: a fresh copy of the template, ``count`` servers, the delivery measured."""
    db = f"{TEMPLATE}_run"
    admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
    balancer = Balancer(balancer_port, PORTS[:count])
    servers = Servers(db, count, balancer_port, _plural(count).replace(" ", "-"))
    try:
        result = _deliver(servers, db)
    finally:
        servers.stop()
        balancer.close()
    # The servers' backends have exited: their statistics are flushed.
    deadline = time.monotonic() + 30
    while admin("SELECT 1 FROM pg_stat_activity WHERE datname = %s", db) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)
    result["db_time"] = active_time(db) - result["db_before"]
    admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    result["rate"] = result["messages"] / result["elapsed"]
    states, elapsed, job_time, db_time = result["states"], result["elapsed"], result["job_time"], result["db_time"]
    dispatched = [_log_count(log, "asking Odoo to run job") for log in servers.logs]
    print(
        f"servers: {_plural(count)} x {WORKERS} workers (channel root:{count * WORKERS}): {result['messages']} "
        f"messages delivered in {elapsed:.1f} s = {result['rate']:.0f}/s ({states.get('sent', 0)} sent, "
        f"{states.get('skipped', 0)} skipped, {states.get('error', 0)} errors); {result['jobs']} jobs (run per "
        f"server {' / '.join(map(str, result['jobs_per_server']))}; balancer requests "
        f"{' / '.join(str(balancer.served[port]) for port in balancer.backends)}; dispatched by each server's "
        f"job runner {' / '.join(map(str, dispatched))}; each {result['job_median']:.1f} s median, "
        f"{result['job_max']:.1f} s the longest), {job_time:.1f} s of job time on the workers "
        f"({job_time * 1000 / max(result['messages'], 1):.1f} ms per message); "
        f"load {result['load_before']} -> {result['load_after']}",
        flush=True,
    )
    print(
        f"servers: {_plural(count)}, the database: PostgreSQL executing {db_time:.1f} s "
        f"(pg_stat_database.active_time; sampled pg_stat_activity {result['sampled_db_time']:.1f} s) = "
        f"{db_time / max(job_time, 1e-9):.0%} of the jobs' time, {db_time / elapsed:.2f} backends busy on average; "
        f"Odoo processes {result['cpu']:.1f} s of CPU ({result['cpu'] / elapsed:.2f} cores)",
        flush=True,
    )
    return result


def main():
    # Stopped by dev/bench_servers.sh (an interruption): the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    os.makedirs(LOGS, exist_ok=True)
    if len(PORTS) < max(COUNTS) + 1:
        sys.exit(f"BENCH_SERVERS_PORTS: {max(COUNTS)} server ports and the balancer's, {len(PORTS)} given")
    balancer_port = PORTS[max(COUNTS)]
    results = {}
    for count in COUNTS:
        result = run_round(count, balancer_port)
        best = results.get(count)
        if not best or result["elapsed"] < best["elapsed"]:
            results[count] = result
    line = ", ".join(
        f"{_plural(count)} {result['messages']} msgs in {result['elapsed']:.1f} s "
        f"({result['rate']:.0f}/s, database {result['db_time'] / max(result['job_time'], 1e-9):.0%} of the jobs' time)"
        for count, result in sorted(results.items())
    )
    ratio = ""
    if 1 in results and 2 in results:
        ratio = f", ratio {results[2]['rate'] / results[1]['rate']:.2f}x"
    print(f"servers: {line}{ratio} (load {load()}, {os.cpu_count()} CPUs)", flush=True)


if __name__ == "__main__":
    main()
