"""`cloud break-nova`: break Nova on purpose, to watch the plugin go red.

    cloud break-nova apply FAULT [FAULT...]   patch the venv's nova
    cloud break-nova restore                  put every patched file back
    cloud break-nova list

Faults:
  local-delete   nova-api's local delete keeps the allocations
                 (compute/api.py: _local_delete, _local_delete_cleanup)
  rt-heal        the resource tracker no longer removes allocations of
                 deleted instances (resource_tracker.py)
  evacuate-src   a returning source compute keeps an evacuated server's
                 allocations (manager.py: _destroy_evacuated_instances)
  delete-remote  nova-api never deletes locally: a forced-down compute
                 that still runs gets the delete (api.py: _delete)
  unforce-evacuated
                 forced_down can be cleared while evacuations from the
                 host are "done" (services.py: _check_for_evacuations)
  delete-one-host
                 a compute deleting a server keeps its allocations when
                 they span two providers (manager.py: _complete_deletion)
  evacuate-novalid-drops
                 an evacuation that finds no host drops the server's
                 allocations (conductor/manager.py: rebuild_instance)
  rt-heal-unknown
                 the resource tracker deletes allocations of consumers
                 that are no instance at all (resource_tracker.py)
  rt-heal-live     the resource tracker deletes the allocations of the
                 live servers it tracks (resource_tracker.py)
  build-delete-keeps
                 nova-api's delete of a server no compute took yet (no
                 instance.host) keeps its allocations; bug 1859496
                 (api.py: _delete, the branches for a server without host)
  enable-keeps-trait, rt-keeps-trait (apply both)
                 an enabled compute keeps the COMPUTE_STATUS_DISABLED trait
                 its disable put on its provider, so the scheduler never
                 picks it again: enabling no longer removes it (manager.py:
                 set_host_enabled) and neither does the periodic sync
                 (resource_tracker.py: _sync_compute_service_disabled_trait)
  service-delete-400
                 DELETE /os-services answers 400, not 409, for a host with
                 servers or migrations (services.py: delete)

Only files inside the local cloud's virtualenv are touched; originals are
kept beside them as *.orig-break-nova. After apply or restore, reload the
services that import the file: nova-api (SIGHUP to its uwsgi master) and
the computes (stop-compute/start-compute), which this command does.
"""

import glob
import os
import subprocess

from localcloud import compute
from localcloud import procs
from localcloud import settings as s
from localcloud import util

MARK = '  # BROKEN ON PURPOSE by cloud break-nova'

FAULTS = {
    'local-delete': ('compute/api.py', 'api', [
        ("            self.placementclient.delete_allocation_for_instance(\n"
         "                context, instance.uuid, force=True)\n"
         "            cb(context, instance, bdms, local=True)",
         "            pass" + MARK + "\n"
         "            cb(context, instance, bdms, local=True)"),
        ("        try:\n"
         "            self.placementclient.delete_allocation_for_instance(\n"
         "                context, instance_uuid, force=True)\n"
         "        except exception.AllocationDeleteFailed:",
         "        try:\n"
         "            pass" + MARK + "\n"
         "        except exception.AllocationDeleteFailed:"),
    ]),
    'rt-heal': ('compute/resource_tracker.py', 'compute', [
        ("    def _remove_deleted_instances_allocations(self, context, cn,\n"
         "                                              migrations, "
         "instance_by_uuid):\n",
         "    def _remove_deleted_instances_allocations(self, context, cn,\n"
         "                                              migrations, "
         "instance_by_uuid):\n"
         "        return" + MARK + "\n"),
    ]),
    'evacuate-src': ('compute/manager.py', 'compute', [
        ("            if (not instance.deleted and\n"
         "                    not self.reportclient.",
         "            if False and (not instance.deleted and" + MARK + "\n"
         "                    not self.reportclient."),
    ]),
    'delete-remote': ('compute/api.py', 'api', [
        ("                    is_local_delete = not self.servicegroup_api."
         "service_is_up(\n"
         "                        service)",
         "                    is_local_delete = False" + MARK),
    ]),
    'unforce-evacuated': ('api/openstack/compute/services.py', 'api', [
        ("    def _check_for_evacuations(self, context, hostname):\n",
         "    def _check_for_evacuations(self, context, hostname):\n"
         "        return" + MARK + "\n"),
    ]),
    'delete-one-host': ('compute/manager.py', 'compute', [
        ("        self.reportclient.delete_allocation_for_instance(context,\n"
         "                                                         "
         "instance.uuid,\n"
         "                                                         "
         "force=force)",
         "        if len(self.reportclient.get_allocs_for_consumer(\n"
         "                context, instance.uuid)['allocations']) < 2:" +
         MARK + "\n"
         "            self.reportclient.delete_allocation_for_instance(\n"
         "                context, instance.uuid, force=force)"),
    ]),
    'evacuate-novalid-drops': ('conductor/manager.py', 'conductor', [
        # The branch a scheduled (no host named) evacuation takes.
        ("                        ValueError) as ex:\n"
         "                    if migration:\n"
         "                        migration.status = 'error'\n",
         "                        ValueError) as ex:\n"
         "                    self.report_client."
         "delete_allocation_for_instance(" + MARK + "\n"
         "                        context, instance.uuid, force=True)\n"
         "                    if migration:\n"
         "                        migration.status = 'error'\n"),
    ]),
    'build-delete-keeps': ('compute/api.py', 'api', [
        # Each branch of _delete for a server without instance.host: only
        # the instance mapping is updated, the allocations stay.
        ("                if self._delete_while_booting(context, instance):\n"
         "                    self._local_delete_cleanup(context, "
         "instance.uuid)\n",
         "                if self._delete_while_booting(context, instance):\n"
         "                    self._update_queued_for_deletion(" + MARK + "\n"
         "                        context, instance.uuid, True)\n"),
        ("                    # The instance was deleted or is already gone.\n"
         "                    self._local_delete_cleanup(context, "
         "instance.uuid)\n",
         "                    self._update_queued_for_deletion(" + MARK + "\n"
         "                        context, instance.uuid, True)\n"),
        ("                    self._local_delete_cleanup(context, "
         "instance.uuid)\n"
         "                    return\n"
         "                except exception.ObjectActionError as ex:\n",
         "                    self._update_queued_for_deletion(" + MARK + "\n"
         "                        context, instance.uuid, True)\n"
         "                    return\n"
         "                except exception.ObjectActionError as ex:\n"),
    ]),
    'rt-heal-unknown': ('compute/resource_tracker.py', 'compute', [
        ("                    LOG.info(\"Instance %(uuid)s has allocations "
         "against this \"\n"
         "                             \"compute host but is not found in "
         "the database.\",\n"
         "                             {'uuid': instance_uuid},\n"
         "                             exc_info=False)\n"
         "                    continue\n",
         "                    self.reportclient."
         "delete_allocation_for_instance(" + MARK + "\n"
         "                        context, instance_uuid, force=True)\n"
         "                    continue\n"),
    ]),
    'rt-heal-live': ('compute/resource_tracker.py', 'compute', [
        ("            if consumer_uuid in self.tracked_instances:\n"
         "                LOG.debug(\"Instance %s actively managed on this "
         "compute host \"\n",
         "            if consumer_uuid in self.tracked_instances:\n"
         "                self.reportclient.delete_allocation_for_instance("
         + MARK + "\n"
         "                    context, consumer_uuid, force=True)\n"
         "                LOG.debug(\"Instance %s actively managed on this "
         "compute host \"\n"),
    ]),
    'enable-keeps-trait': ('compute/manager.py', 'compute', [
        ("        try:\n"
         "            self._update_compute_provider_status(context, enabled)\n"
         "        except exception.ComputeHostNotFound:",
         "        try:\n"
         "            if not enabled:" + MARK + "\n"
         "                self._update_compute_provider_status(context, "
         "enabled)\n"
         "        except exception.ComputeHostNotFound:"),
    ]),
    'rt-keeps-trait': ('compute/resource_tracker.py', 'compute', [
        ("                # The service is not disabled so do not report the "
         "trait.\n"
         "                traits.discard(trait)",
         "                # The service is not disabled so do not report the "
         "trait.\n"
         "                pass" + MARK),
    ]),
    'service-delete-400': ('api/openstack/compute/services.py', 'api', [
        ("                if num_instances:\n"
         "                    raise webob.exc.HTTPConflict(",
         "                if num_instances:\n"
         "                    raise webob.exc.HTTPBadRequest(" + MARK),
        ("                raise webob.exc.HTTPConflict(\n"
         "                    explanation=_(\n"
         "                        'Unable to delete compute service that has "
         "'\n"
         "                        'in-progress migrations.",
         "                raise webob.exc.HTTPBadRequest(" + MARK + "\n"
         "                    explanation=_(\n"
         "                        'Unable to delete compute service that has "
         "'\n"
         "                        'in-progress migrations."),
    ]),
}


def nova_dir():
    """The venv's nova package, whatever Python the venv was built with."""
    found = glob.glob(os.path.join(s.VENV, 'lib', 'python3*',
                                   'site-packages', 'nova'))
    if len(found) != 1:
        util.die('no single nova package in %s: %s (run `%s up` first)' % (
            s.VENV, found, s.HARNESS))
    return found[0]


def _reload(kinds):
    if 'api' in kinds:
        os.kill(procs.load('nova-api')['pid'], 1)  # SIGHUP: uwsgi reloads
        util.say('nova-api reloaded')
    if 'conductor' in kinds:
        # Stop it by its PID record; `cloud up` starts what is missing.
        procs.stop('nova-conductor')
        subprocess.run([s.HARNESS, 'up'], check=True,
                       stdout=subprocess.DEVNULL)
        util.say('nova-conductor restarted')
    if 'compute' in kinds:
        for host in s.COMPUTE_HOSTS:
            compute.stop(host)
            compute.start(host)


def apply(names):
    nova = nova_dir()
    kinds = set()
    for name in names:
        relative, kind, replacements = FAULTS[name]
        path = os.path.join(nova, relative)
        with open(path) as source:
            text = source.read()
        if not os.path.exists(path + '.orig-break-nova'):
            with open(path + '.orig-break-nova', 'w') as backup:
                backup.write(text)
        for old, new in replacements:
            if text.count(old) != 1:
                util.die('%s: pattern not found once in %s' % (name, path))
            text = text.replace(old, new)
        with open(path, 'w') as target:
            target.write(text)
        kinds.add(kind)
        util.say('applied %s to %s' % (name, path))
    _reload(kinds)


def restore():
    nova = nova_dir()
    kinds = set()
    for relative, kind, _ in FAULTS.values():
        path = os.path.join(nova, relative)
        if os.path.exists(path + '.orig-break-nova'):
            os.replace(path + '.orig-break-nova', path)
            kinds.add(kind)
            util.say('restored %s' % path)
    _reload(kinds)


def main(argv):
    if argv[:1] == ['apply'] and argv[1:]:
        unknown = set(argv[1:]) - set(FAULTS)
        if unknown:
            util.die('unknown fault(s): %s' % sorted(unknown), rc=2)
        apply(argv[1:])
    elif argv == ['restore']:
        restore()
    elif argv == ['list']:
        util.say('\n'.join(sorted(FAULTS)))
    else:
        util.say(__doc__)
        return 0 if argv[:1] in (['-h'], ['--help']) else 2
    return 0
