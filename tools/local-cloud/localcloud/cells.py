"""Nova's cell mappings hold URL templates, not passwords.

`nova-manage cell_v2 create_cell`/`map_cell0` store the literal
[database]/connection and transport_url, password included, in
nova_api.cell_mappings. Templates ({username}, {password}, ... filled from
the reading service's own config, nova/objects/cell_mapping.py) keep the
password out of the table and let `up` rotate it: a cloud made before the
DB and RabbitMQ passwords were generated still has the old literal URLs,
which this rewrites. Run as MariaDB's root over the socket (SQL on stdin).
"""
from localcloud import mariadb

DB_TEMPLATE = '{scheme}://{username}:{password}@{hostname}:{port}/%s?{query}'
MQ_TEMPLATE = '{scheme}://{username}:{password}@{hostname}:{port}/'
TEMPLATES = {  # cell name: (transport_url, database_connection)
    'cell0': ('none:///', DB_TEMPLATE % 'nova_cell0'),
    'cell1': (MQ_TEMPLATE, DB_TEMPLATE % 'nova'),
}


def _mappings():
    exists = mariadb.query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE "
        "table_schema='nova_api' AND table_name='cell_mappings'")
    if exists[0][0] == '0':
        return []
    return mariadb.query(
        'SELECT c.id, c.name, (SELECT COUNT(*) FROM nova_api.host_mappings h '
        'WHERE h.cell_id = c.id) + (SELECT COUNT(*) FROM '
        'nova_api.instance_mappings i WHERE i.cell_id = c.id) '
        'FROM nova_api.cell_mappings c ORDER BY c.id')


def has_cell1():
    return any(name == 'cell1' for _id, name, _used in _mappings())


def use_templates():
    """Rewrite the mappings as templates; drop unused duplicate cell1s.

    A duplicate appears when create_cell runs with URLs that differ from
    the stored ones (an older harness rotating the password). Returns the
    ids of the duplicates removed.
    """
    rows = _mappings()
    keep, removed = {}, []
    for cell_id, name, used in rows:
        if name not in keep:
            keep[name] = cell_id
        elif used == '0':
            removed.append(cell_id)
    stmts = ['DELETE FROM nova_api.cell_mappings WHERE id = %s' % i
             for i in removed]
    for name, (mq, db) in TEMPLATES.items():
        if name in keep:
            stmts.append(
                "UPDATE nova_api.cell_mappings SET transport_url = '%s', "
                "database_connection = '%s' WHERE id = %s" % (
                    mq, db, keep[name]))
    if stmts:
        mariadb.client(';\n'.join(stmts))
    return removed
