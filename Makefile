# account_credit_recovery — developer commands. See README.md.
PYTHON   ?= python3
ADDON    := account_credit_recovery
BUILD    := $(CURDIR)/.build
ADDONS   := $(BUILD)/addons
# Bridges to other apps (sale, point_of_sale, a payment gateway…): small auto-install modules of
# their own, kept in this repository, on the addons path next to the addon.
BRIDGES  := $(CURDIR)/bridges
CONF     := $(BUILD)/odoo.conf
DB       ?= credit_recovery_demo
TEST_DB  ?= credit_recovery_test
PORT     ?= 8069
ODOO     := $(PYTHON) -m odoo
SHELL    := /bin/bash

.PHONY: help install run test lint bench bench-scale bench-servers pot clean
help:
	@echo "make run    Odoo 18 on http://localhost:$(PORT), database $(DB) with demo data (admin/admin);"
	@echo "            PORT=8070 for another port (it is checked before anything is built)"
	@echo "make test   install the addon in a throwaway database and run the test suite"
	@echo "make lint   ruff + pylint-odoo"
	@echo "make bench  benchmarks: evidence dossier (100 invoices, 500 contacts); collection run over"
	@echo "            100,000 overdue invoices and 20,000 debtors, and OCA account_credit_control on the same"
	@echo "            data (BENCH_INVOICES, BENCH_DEBTORS); collection KPIs of a month over the same data"
	@echo "            and a year of aging snapshots (target 2 s)"
	@echo "            the planning phase with the credit limits following collection vs without, same data,"
	@echo "            best of 5 rounds alternated (BENCH_CREDIT_ROUNDS; target 1.10x)"
	@echo "            the payment model's monthly fit over a year of history of the same debtors (targets 60 s,"
	@echo "            1 GiB, calibrated within 5 points per decile: its table is printed)"
	@echo "            Contact now over the same data for a manager and an agent, cold and warm (target 1 s)"
	@echo "            the screens opened daily, as the web client asks them, for a manager and an agent, cold and"
	@echo "            warm: debtors kanban and list, overdue invoices, the largest debtor's form, Contact now, the"
	@echo "            dashboard (targets 1 s; the dashboard for a manager 1.5 s), one line each with the load average"
	@echo "            the debtor's self-service page: 200 requests on loopback, 100 invoices (target p95 300 ms)"
	@echo "            PIX settlement: 1,000 notifications to the webhook of a running server, confirmed at a"
	@echo "            simulated PSP and reconciled (targets 50/s, p95 200 ms), against Register Payment by hand"
	@echo "            the delivery with WhatsApp Business on (OCA gateway, simulated Graph API) vs without (target 1.3x)"
	@echo "            (times: targets on the developers' 2-core machine); every step runs and prints its lines, the"
	@echo "            ratios included; the targets missed are listed at the end, and only then the exit is non-zero"
	@echo "make bench-scale  collection run over 1,000,000 invoices and 200,000 debtors (target 150 s), the next"
	@echo "            day's run, the ratio to 100,000 invoices over 20,000 debtors (target 11x: linear), peak memory"
	@echo "make bench-servers  the delivery of the bench's messages through OCA queue_job by one Odoo server, then by"
	@echo "            two (each with its job runner, one PostgreSQL): messages per second of each, their ratio and the"
	@echo "            database's share of the time (BENCH_INVOICES, BENCH_DEBTORS; BENCH_SERVERS_PORTS: the two"
	@echo "            servers' ports and the load balancer's, default 8069 8070 8071; BENCH_SERVERS_WORKERS: 2)"
	@echo "make pot    regenerate i18n/$(ADDON).pot"

# Odoo 18 + the tools; fails with a one-paragraph message when Odoo cannot be had.
install: $(BUILD)/.deps
$(BUILD)/.deps: dev/requirements-dev.txt dev/constraints-odoo18.txt
	@mkdir -p $(BUILD)
	@dev/ensure-odoo.sh $(PYTHON) $(BUILD)/odoo-src
	$(PYTHON) -m pip install --quiet -c dev/constraints-odoo18.txt -r dev/requirements-dev.txt
	@touch $@

# The repository is the addon: expose it under its technical name, whatever the clone is called.
$(ADDONS)/$(ADDON):
	@mkdir -p $(ADDONS)
	@ln -sfn $(CURDIR) $@

# Odoo configuration: PostgreSQL found (or started privately) by dev/pg.sh.
$(CONF): $(BUILD)/.deps $(ADDONS)/$(ADDON) FORCE
	@read -r host port user <<< "$$(dev/pg.sh $(BUILD)/pg)" || exit 1; \
	odoo_addons=$$($(PYTHON) dev/odoo-addons-path.py) || exit 1; \
	printf '[options]\naddons_path = %s,%s,%s\ndb_host = %s\ndb_port = %s\ndb_user = %s\ndata_dir = %s\nadmin_passwd = admin\nhttp_port = %s\nlist_db = False\n' \
	  "$$odoo_addons" "$(ADDONS)" "$(BRIDGES)" "$$host" "$$port" "$$user" "$(BUILD)/data" "$(PORT)" > $@
FORCE:

PSQL = read -r host port user <<< "$$(dev/pg.sh $(BUILD)/pg)" && psql -h $$host -p $$port -U $$user -d postgres -qAt

run: $(CONF)
	@$(PYTHON) dev/check-port.py $(PORT)
	@if [ -z "$$($(PSQL) -c "select 1 from pg_database where datname='$(DB)'")" ]; then \
	  echo "Creating database $(DB) with Odoo's Brazilian localization, then $(ADDON) and its demo data…"; \
	  $(ODOO) -c $(CONF) -d $(DB) -i l10n_br --load-language=pt_BR --stop-after-init || exit 1; \
	  $(ODOO) -c $(CONF) -d $(DB) -i $(ADDON),sale_management,point_of_sale --stop-after-init || exit 1; \
	fi
	$(ODOO) -c $(CONF) -d $(DB) --db-filter='^$(DB)$$'

# The queue_job integration's tests (tests/test_queue_job.py) run in a copy of the test database
# with OCA queue_job installed too (dev/queue_job.sh); the others run where it is not installed.
QUEUE_JOB_CONF := $(BUILD)/odoo-queue-job.conf
QUEUE_JOB_TESTS := $(ADDONS)/$(ADDON)/tests/test_queue_job.py
# The bridges' tests run in a copy of the test database where the apps they bridge are installed
# too (the bridges install themselves with them: auto_install).
BRIDGE_APPS := sale_management,point_of_sale
# The WhatsApp Business bridge's tests run in a copy with OCA mail_gateway_whatsapp (dev/whatsapp.sh:
# PyPI wheels, .build/odoo-whatsapp.conf); the bridge installs itself with it.
WHATSAPP_CONF := $(BUILD)/odoo-whatsapp.conf
WHATSAPP_TESTS := $(BRIDGES)/account_credit_recovery_whatsapp/tests
BRIDGE_TESTS = $(filter-out $(WHATSAPP_TESTS),$(wildcard $(BRIDGES)/*/tests))
PYTEST := PYTHONPATH=$(CURDIR)/dev $(PYTHON) -m pytest -p no:cacheprovider -p pytest_no_skip --odoo-http \
  --rootdir=$(ADDONS)/$(ADDON)
test: $(CONF)
	@$(PSQL) -c 'drop database if exists "$(TEST_DB)"'; $(PSQL) -c 'drop database if exists "$(TEST_DB)_queue_job"'
	@$(PSQL) -c 'drop database if exists "$(TEST_DB)_bridges"'; $(PSQL) -c 'drop database if exists "$(TEST_DB)_whatsapp"'
	$(ODOO) -c $(CONF) -d $(TEST_DB) -i $(ADDON) --without-demo=all --stop-after-init --log-level=warn
	PYTHON=$(PYTHON) dev/queue_job.sh
	@$(PSQL) -c 'create database "$(TEST_DB)_queue_job" template "$(TEST_DB)"'
	$(ODOO) -c $(QUEUE_JOB_CONF) -d $(TEST_DB)_queue_job -i queue_job --without-demo=all --stop-after-init --log-level=warn
	@$(PSQL) -c 'create database "$(TEST_DB)_bridges" template "$(TEST_DB)"'
	$(ODOO) -c $(CONF) -d $(TEST_DB)_bridges -i $(BRIDGE_APPS) --without-demo=all --stop-after-init --log-level=warn
	PYTHON=$(PYTHON) dev/whatsapp.sh
	@$(PSQL) -c 'create database "$(TEST_DB)_whatsapp" template "$(TEST_DB)"'
	$(ODOO) -c $(WHATSAPP_CONF) -d $(TEST_DB)_whatsapp -i mail_gateway_whatsapp --without-demo=all --stop-after-init --log-level=warn
	@rc=0; $(PYTEST) --odoo-database=$(TEST_DB) --odoo-config=$(CONF) --ignore=$(QUEUE_JOB_TESTS) \
	  $(ADDONS)/$(ADDON)/tests $(PYTEST_ARGS) || rc=$$?; \
	$(PYTEST) --odoo-database=$(TEST_DB)_queue_job --odoo-config=$(QUEUE_JOB_CONF) $(QUEUE_JOB_TESTS) || rc=$$?; \
	$(PYTEST) --rootdir=$(BRIDGES) --odoo-database=$(TEST_DB)_bridges --odoo-config=$(CONF) \
	  $(BRIDGE_TESTS) $(PYTEST_ARGS) || rc=$$?; \
	$(PYTEST) --rootdir=$(BRIDGES) --odoo-database=$(TEST_DB)_whatsapp --odoo-config=$(WHATSAPP_CONF) \
	  $(WHATSAPP_TESTS) $(PYTEST_ARGS) || rc=$$?; \
	$(PSQL) -c 'drop database if exists "$(TEST_DB)"'; $(PSQL) -c 'drop database if exists "$(TEST_DB)_queue_job"'; \
	$(PSQL) -c 'drop database if exists "$(TEST_DB)_bridges"'; $(PSQL) -c 'drop database if exists "$(TEST_DB)_whatsapp"'; \
	exit $$rc

lint: $(BUILD)/.deps $(ADDONS)/$(ADDON)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	cd $(ADDONS) && $(PYTHON) -m pylint --rcfile=$(CURDIR)/.pylintrc \
	  --disable=no-member,import-error,missing-readme $(ADDON)
	cd $(BRIDGES) && $(PYTHON) -m pylint --rcfile=$(CURDIR)/.pylintrc \
	  --disable=no-member,import-error,missing-readme $(notdir $(wildcard $(BRIDGES)/*))

BENCH_DB ?= credit_recovery_bench
bench: $(CONF)
	@$(PSQL) -c 'drop database if exists "$(BENCH_DB)"'
	$(ODOO) -c $(CONF) -d $(BENCH_DB) -i $(ADDON) --without-demo=all --stop-after-init --log-level=warn
	@failed=; rm -f $(BUILD)/bench-engine.s $(BUILD)/bench-oca.s $(BUILD)/bench-misses.txt; \
	export BENCH_MISSES_FILE=$(BUILD)/bench-misses.txt; \
	for step in dossier engine kpi score worklist screens portal pix; do \
	  BENCH_RESULT_FILE=$(BUILD)/bench-$$step.s $(ODOO) shell -c $(CONF) -d $(BENCH_DB) --no-http --log-level=warn \
	    < dev/bench_$$step.py || failed="$$failed $$step"; \
	done; \
	$(PSQL) -c 'drop database if exists "$(BENCH_DB)"'; \
	BENCH_OCA_DB=$(BENCH_DB)_oca BENCH_RESULT_FILE=$(BUILD)/bench-oca.s PYTHON=$(PYTHON) dev/bench_oca.sh || failed="$$failed oca"; \
	BENCH_WHATSAPP_DB=$(BENCH_DB)_whatsapp PYTHON=$(PYTHON) dev/bench_whatsapp.sh || failed="$$failed whatsapp"; \
	$(PYTHON) dev/bench_summary.py $(BUILD)/bench-engine.s $(BUILD)/bench-oca.s $$failed

# Installed once, copied for each size (CREATE DATABASE ... TEMPLATE); each size is generated, then run
# in a process of its own (dev/bench_scale.py). The large size needs ~15 GB of disk while it exists.
SCALE_SIZES ?= 100000:20000 1000000:200000
bench-scale: $(CONF)
	@$(PSQL) -c 'drop database if exists "$(BENCH_DB)"'; $(PSQL) -c 'drop database if exists "$(BENCH_DB)_size"'
	$(ODOO) -c $(CONF) -d $(BENCH_DB) -i $(ADDON) --without-demo=all --stop-after-init --log-level=warn
	@rc=0; rm -f $(BUILD)/bench-scale-*.s; baseline=; \
	for size in $(SCALE_SIZES); do \
	  invoices=$${size%%:*}; debtors=$${size##*:}; \
	  $(PSQL) -c 'drop database if exists "$(BENCH_DB)_size"' && \
	  $(PSQL) -c 'create database "$(BENCH_DB)_size" template "$(BENCH_DB)"' || { rc=1; break; }; \
	  export BENCH_INVOICES=$$invoices BENCH_DEBTORS=$$debtors; \
	  BENCH_SCALE_STEP=generate $(ODOO) shell -c $(CONF) -d $(BENCH_DB)_size --no-http --log-level=warn \
	    < dev/bench_scale.py || { rc=1; break; }; \
	  BENCH_SCALE_STEP=run BENCH_RESULT_FILE=$(BUILD)/bench-scale-$$invoices.s BENCH_SCALE_BASELINE=$$baseline \
	    $(ODOO) shell -c $(CONF) -d $(BENCH_DB)_size --no-http --log-level=warn < dev/bench_scale.py || { rc=1; break; }; \
	  baseline=$(BUILD)/bench-scale-$$invoices.s; \
	done; \
	$(PSQL) -c 'drop database if exists "$(BENCH_DB)_size"'; $(PSQL) -c 'drop database if exists "$(BENCH_DB)"'; \
	exit $$rc

# Two Odoo servers with their job runners against one PostgreSQL, behind a load balancer of the
# bench's own, on copies of one template database (dev/bench_servers.sh, docs/benchmarks.md).
BENCH_SERVERS_PORTS ?= 8069 8070 8071
bench-servers: $(CONF)
	BENCH_SERVERS_DB=$(BENCH_DB)_servers BENCH_SERVERS_PORTS="$(BENCH_SERVERS_PORTS)" PYTHON=$(PYTHON) \
	  dev/bench_servers.sh

pot: $(CONF)
	@$(PSQL) -c 'drop database if exists "$(ADDON)_pot"'
	$(ODOO) -c $(CONF) -d $(ADDON)_pot -i $(ADDON),$(BRIDGE_APPS) --without-demo=all --stop-after-init --log-level=warn
	$(ODOO) -c $(CONF) -d $(ADDON)_pot --i18n-export=i18n/$(ADDON).pot --modules=$(ADDON) --stop-after-init --log-level=warn
	$(PYTHON) dev/clean_pot.py i18n/$(ADDON).pot
	@for module in $$($(PSQL) -d $(ADDON)_pot -c "select name from ir_module_module where state = 'installed'" | \
	    grep -Fx -f <(ls $(BRIDGES))); do \
	  mkdir -p $(BRIDGES)/$$module/i18n; \
	  $(ODOO) -c $(CONF) -d $(ADDON)_pot --i18n-export=$(BRIDGES)/$$module/i18n/$$module.pot --modules=$$module \
	    --stop-after-init --log-level=warn || exit 1; \
	  $(PYTHON) dev/clean_pot.py $(BRIDGES)/$$module/i18n/$$module.pot --bridge; \
	done
	@$(PSQL) -c 'drop database if exists "$(ADDON)_pot"'

clean:
	rm -rf $(BUILD)
