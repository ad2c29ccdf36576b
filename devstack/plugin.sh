#!/bin/bash
# devstack plugin of allocation-tempest-plugin:
#   enable_plugin allocation-tempest-plugin https://opendev.org/openstack/allocation-tempest-plugin
# In the test-config phase (devstack has installed Tempest, written
# tempest.conf and installed TEMPEST_PLUGINS by then) it installs the
# plugin into Tempest's virtual environment, writes the [allocation]
# options from the ALLOCATION_* variables (devstack/settings) and, when
# ALLOCATION_COMPUTE_RESTART is True, lets the Tempest user stop and start
# nova-compute and nothing else. local.conf's own [[test-config|...]]
# sections are merged after this, so they still win.

_XTRACE_ALLOCATION=$(set +o | grep xtrace)
set -o xtrace

SUDOERS_DROP_IN=/etc/sudoers.d/51_tempest_n_cpu

function install_allocation_tempest_plugin {
    # Tempest's own venv (tox env "venv-tempest" shares .tox/tempest with
    # "all"), so that `tempest run` and the run-tempest role see it. The
    # pins are the ones devstack gives Tempest's venv.
    local constraints
    constraints=$(mktemp)
    if declare -F set_tempest_venv_constraints >/dev/null; then
        set_tempest_venv_constraints "$constraints"
    fi
    pushd "$TEMPEST_DIR" >/dev/null || return 1
    tox -evenv-tempest -- pip install -c "$constraints" "$ALLOCATION_TEMPEST_PLUGIN_DIR"
    tox -evenv-tempest -- tempest list-plugins
    popd >/dev/null || return 1
    rm -f "$constraints"
}

function _allocation_iniset_if_set {
    # _allocation_iniset_if_set OPTION VALUE: only a non-empty VALUE, so
    # that an unset variable keeps the plugin's documented default.
    if [[ -n "$2" ]]; then
        iniset "$TEMPEST_CONFIG" allocation "$1" "$2"
    fi
}

function configure_allocation_tempest_plugin {
    local interval=$ALLOCATION_RESOURCE_TRACKER_INTERVAL
    if [[ -z "$interval" && -f "$NOVA_CPU_CONF" ]]; then
        interval=$(iniget "$NOVA_CPU_CONF" DEFAULT update_resources_interval)
    fi
    local disruptable=$ALLOCATION_DISRUPTABLE_HOSTS
    if [[ "$ALLOCATION_COMPUTE_RESTART" == "True" && -z "$disruptable" ]]; then
        # The unit acts on this node's compute only, and the plugin runs
        # a command without {host} only when disruptable_hosts names
        # exactly the host it acts on: this node (devstack's compute host
        # name is the node's hostname).
        disruptable=$(hostname)
    fi
    iniset "$TEMPEST_CONFIG" allocation allow_compute_disruption "$ALLOCATION_ALLOW_COMPUTE_DISRUPTION"
    _allocation_iniset_if_set disruptable_hosts "$disruptable"
    _allocation_iniset_if_set max_disruption_seconds "$ALLOCATION_MAX_DISRUPTION_SECONDS"
    _allocation_iniset_if_set command_timeout "$ALLOCATION_COMMAND_TIMEOUT"
    _allocation_iniset_if_set placement_timeout "$ALLOCATION_PLACEMENT_TIMEOUT"
    _allocation_iniset_if_set poll_interval "$ALLOCATION_POLL_INTERVAL"
    _allocation_iniset_if_set claim_settle_seconds "$ALLOCATION_CLAIM_SETTLE_SECONDS"
    _allocation_iniset_if_set resource_tracker_interval "$interval"
    _allocation_iniset_if_set known_nova_defects "$ALLOCATION_KNOWN_NOVA_DEFECTS"
    if [[ "$ALLOCATION_COMPUTE_RESTART" == "True" ]]; then
        # Split by the plugin like a shell would, run without a shell.
        iniset "$TEMPEST_CONFIG" allocation compute_stop_command "sudo systemctl stop $ALLOCATION_COMPUTE_UNIT"
        iniset "$TEMPEST_CONFIG" allocation compute_start_command "sudo systemctl start $ALLOCATION_COMPUTE_UNIT"
    fi
}

function allow_allocation_compute_restart {
    # Exactly stop and start of one unit, under both paths systemctl has
    # on the distributions devstack supports; visudo checks the file
    # before it is put in place (a broken drop-in would break all sudo).
    local drop_in
    drop_in=$(mktemp)
    local unit=$ALLOCATION_COMPUTE_UNIT
    printf '%s ALL=(root) NOPASSWD: %s\n' "$ALLOCATION_TEMPEST_USER" \
        "/usr/bin/systemctl stop $unit, /usr/bin/systemctl start $unit, /bin/systemctl stop $unit, /bin/systemctl start $unit" \
        > "$drop_in"
    sudo visudo -cf "$drop_in"
    sudo install -o root -g root -m 0440 "$drop_in" "$SUDOERS_DROP_IN"
    rm -f "$drop_in"
}

if [[ "$1" == "stack" && "$2" == "test-config" ]]; then
    if is_service_enabled tempest; then
        echo_summary "Installing and configuring allocation-tempest-plugin"
        install_allocation_tempest_plugin
        configure_allocation_tempest_plugin
        if [[ "$ALLOCATION_COMPUTE_RESTART" == "True" ]]; then
            allow_allocation_compute_restart
        fi
    fi
fi

if [[ "$1" == "clean" ]]; then
    sudo rm -f "$SUDOERS_DROP_IN"
fi

$_XTRACE_ALLOCATION
