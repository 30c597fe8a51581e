"""Chatter notes written in batches, for the bulk paths (the daily promise evaluation, strategy
runs): one note per change, as posting record by record would, but created with a few
``mail.message`` and ``mail.tracking.value`` creates instead of a few queries per note.

Odoo's tracking logs one message per record and per transaction when the record is written
through the ORM; bulk paths that write in SQL (or with ``tracking_disable``) log their changes
here instead, with the same tracking values, so the chatter shows the same history.
"""


def log_notes(model, entries):
    """Log a note per entry on the records of ``model`` (a ``mail.thread`` model), in batches.

    Notes are logged as ``_message_log_batch`` logs them (internal notes, no notification, no
    follower added). A record may receive several notes: they are created in rounds of one note
    per record.

    :param model: a recordset of the model the notes are logged on (its records do not matter)
    :param entries: iterable of ``(res_id, body, tracking)``: the record, the body (str or
        Markup, escaped like ``_message_log``), and ``None`` or the tracked changes shown under
        the note, ``{field name: (old value, new value)}`` with values as the ORM reads them
    :return: the messages created (sudo), in the order of ``entries``
    """
    Model = model.browse()
    entries = list(entries)
    rounds = []  # [{res_id: index in entries}], each round with one note per record at most
    for index, (res_id, _body, _tracking) in enumerate(entries):
        target = next((notes for notes in rounds if res_id not in notes), None)
        if target is None:
            target = {}
            rounds.append(target)
        target[res_id] = index
    field_names = {name for _id, _body, tracking in entries for name in (tracking or ())}
    field_infos = Model.fields_get(
        field_names, attributes=('string', 'type', 'selection', 'currency_field')) if field_names else {}
    Tracking = Model.env['mail.tracking.value'].sudo()
    messages = [None] * len(entries)
    tracking_values = []
    for notes in rounds:
        records = Model.browse(list(notes))
        logged = records._message_log_batch({res_id: entries[index][1] for res_id, index in notes.items()})
        for record, message in zip(records, logged):
            index = notes[record.id]
            messages[index] = message.id
            for name, (old, new) in (entries[index][2] or {}).items():
                values = Tracking._create_tracking_values(old, new, name, field_infos[name], record)
                tracking_values.append(dict(values, mail_message_id=message.id))
    if tracking_values:
        Tracking.create(tracking_values)
    return Model.env['mail.message'].sudo().browse(messages)
