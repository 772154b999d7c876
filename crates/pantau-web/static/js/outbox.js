// The outbox of the field: a form sent without a connection (a monthly report, a follow-up of
// an action, a visit record, with their photos) is kept on the device (in
// IndexedDB, so it survives reloads and restarts) and sent through the API when the connection
// returns, each with an Idempotency-Key of its own so that a send repeated after a dropped
// answer writes once. The #outbox element shows what waits, what was sent and what was refused
// (with the server's reason, and a link that opens the form again with what was typed). Online,
// the same forms also go through the API first, so a connection that drops in the middle of a
// send leaves the form in the outbox rather than lost.
// Its texts come from the element's data-* attributes, in the reader's language.
(function () {
  'use strict';
  var box = document.getElementById('outbox');
  if (!box) return;

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/static/js/sw.js', { scope: '/' }).catch(function () {});
    // Signing out leaves nothing of the field pages on a shared phone.
    document.querySelectorAll('form[action="/logout"]').forEach(function (f) {
      f.addEventListener('submit', function () {
        if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage('signed-out');
      });
    });
  }
  if (!('indexedDB' in window)) return;

  var KEEP_SENT_MS = 3600 * 1000; // 'sent' is shown for an hour
  var opened = null;
  function store(mode) {
    opened = opened || new Promise(function (ok, fail) {
      var req = indexedDB.open('pantau', 1);
      req.onupgradeneeded = function () { req.result.createObjectStore('outbox', { keyPath: 'key' }); };
      req.onsuccess = function () { ok(req.result); };
      req.onerror = function () { fail(req.error); };
    });
    return opened.then(function (db) { return db.transaction('outbox', mode).objectStore('outbox'); });
  }
  function done(req) {
    return new Promise(function (ok, fail) {
      req.onsuccess = function () { ok(req.result); };
      req.onerror = function () { fail(req.error); };
    });
  }
  function all() { return store('readonly').then(function (s) { return done(s.getAll()); }); }
  function put(item) { return store('readwrite').then(function (s) { return done(s.put(item)); }); }
  function drop(key) { return store('readwrite').then(function (s) { return done(s.delete(key)); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // The report as the API takes it, from the form's fields (n_a:item, n_s:item:sex:age,
  // n_r:item:sex:age:risk — the names the page gives its inputs).
  function reportBody(fields) {
    var lines = [];
    var body = { lines: lines, note: '' };
    fields.forEach(function (kv) {
      var name = kv[0], value = String(kv[1]).trim();
      if (name === 'period') body.period = value;
      else if (name === 'note') body.note = value;
      else if (name === 'version' && value !== '') body.version = Number(value);
      else if (name.indexOf('n_') === 0 && value !== '') {
        var p = name.slice(2).split(':');
        var line = { kind: p[0] === 'a' ? 'activity' : 'service', item_code: p[1], sex: p[2] || '',
          age_band: p[3] || '', risk_level: p[4] || '', count: Number(value) };
        lines.push(line);
      }
    });
    return body;
  }

  function value(fields, name) {
    var kv = fields.filter(function (f) { return f[0] === name; })[0];
    return kv ? String(kv[1]).trim() : '';
  }
  function values(fields, name) {
    return fields.filter(function (f) { return f[0] === name; }).map(function (f) { return String(f[1]).trim(); });
  }

  // A follow-up of an action: done (a checkbox), note; photos are added by the caller.
  function followUpBody(fields) {
    return { done: value(fields, 'done') !== '', note: value(fields, 'note') };
  }

  // A visit: new actions as parallel action_* rows (rows without a description skipped, as the
  // page itself does), reviews as review_<id>.
  function visitBody(fields) {
    var owners = values(fields, 'action_owner'), dues = values(fields, 'action_due');
    var actions = [];
    values(fields, 'action_description').forEach(function (d, i) {
      if (d) actions.push({ description: d, owner: owners[i] || '', due_date: dues[i] || '' });
    });
    var reviews = fields.filter(function (f) { return /^review_\d+$/.test(f[0]); }).map(function (f) {
      var id = f[0].slice(7);
      return { action_id: Number(id), status: String(f[1]), note: value(fields, 'review_note_' + id) };
    });
    return { visit_date: value(fields, 'visit_date'), mode: value(fields, 'mode'), findings: value(fields, 'findings'),
      recommendations: value(fields, 'recommendations'), actions: actions, reviews: reviews };
  }

  var BODIES = { report: reportBody, 'follow-up': followUpBody, visit: visitBody };

  function text(name, n) { return (box.dataset[name] || '').replace('%n', n); }

  function render() {
    return all().then(function (items) {
      var now = Date.now();
      items.filter(function (i) { return i.state === 'sent' && now - i.at > KEEP_SENT_MS; })
        .forEach(function (i) { drop(i.key); });
      var waiting = items.filter(function (i) { return i.state === 'waiting'; });
      var sent = items.filter(function (i) { return i.state === 'sent' && now - i.at <= KEEP_SENT_MS; });
      var refused = items.filter(function (i) { return i.state === 'refused'; });
      box.textContent = '';
      box.hidden = !(waiting.length || sent.length || refused.length);
      function line(cls, label) {
        var p = document.createElement('p');
        p.className = cls;
        p.textContent = label;
        box.appendChild(p);
        return p;
      }
      if (waiting.length) line('outbox-waiting', text('waiting', waiting.length));
      if (sent.length) line('outbox-sent', text('sent', sent.length));
      refused.forEach(function (i) {
        var p = line('outbox-refused', text('refused', 1) + ' ' + i.title + ': ' + (i.reason || ''));
        var edit = document.createElement('a');
        edit.href = i.form + (i.form.indexOf('?') < 0 ? '?' : '&') + 'outbox=' + encodeURIComponent(i.key);
        edit.textContent = box.dataset.edit;
        p.appendChild(document.createTextNode(' '));
        p.appendChild(edit);
        var bin = document.createElement('button');
        bin.type = 'button';
        bin.className = 'link';
        bin.textContent = box.dataset.discard;
        bin.addEventListener('click', function () { drop(i.key).then(render); });
        p.appendChild(document.createTextNode(' '));
        p.appendChild(bin);
      });
    });
  }

  // One item through the API, with its own key: sent again, it is written once.
  function send(item) {
    return fetch(item.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': item.csrf, 'Idempotency-Key': item.key },
      body: JSON.stringify(item.body)
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === 'waiting'; });
      return waiting.reduce(function (chain, item) {
        return chain.then(function (go) {
          if (!go) return false;
          return send(item).then(function (res) {
            if (res.ok) {
              item.state = 'sent';
              item.at = Date.now();
              return put(item).then(function () { return true; });
            }
            return res.json().catch(function () { return {}; }).then(function (err) {
              item.reason = err.message || String(res.status);
              // Signed out, or the server failing: keep it waiting and try later.
              if (res.status === 401 || res.status >= 500) return put(item).then(function () { return false; });
              item.state = 'refused';
              return put(item).then(function () { return true; });
            });
          }, function () { return false; }); // still no connection
        });
      }, Promise.resolve(true));
    }).then(function () { flushing = false; return render(); }, function () { flushing = false; });
  }

  // Which stored item belongs to a form: the API address, and for a report also its period.
  function belongs(item, form) {
    if (item.url !== form.dataset.outbox) return false;
    return !form.elements.period || (item.body && item.body.period) === form.elements.period.value;
  }

  // Puts what was typed back into the form (not the files: a resend keeps the item's photos).
  function refill(form, fields) {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) { if (el.type === 'checkbox') el.checked = false; });
    fields.forEach(function (kv) {
      var name = kv[0];
      if (name === 'csrf_token' || name === 'version') return;
      var i = seen[name] || 0;
      seen[name] = i + 1;
      var el = form.querySelectorAll('[name="' + CSS.escape(name) + '"]')[i];
      if (!el || el.type === 'file') return;
      if (el.type === 'checkbox') el.checked = true; else el.value = kv[1];
    });
  }

  function photosOf(form) {
    var files = [];
    form.querySelectorAll('input[type=file]').forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (f) { files.push(f); });
    });
    return Promise.all(files.map(function (f) {
      return new Promise(function (ok, fail) {
        var r = new FileReader();
        r.onload = function () { ok({ file_name: f.name, content_base64: String(r.result).split(',')[1] || '' }); };
        r.onerror = function () { fail(r.error); };
        r.readAsDataURL(f);
      });
    }));
  }

  // The server's reason for refusing a form, at the top of the form.
  function refused(form, message) {
    var p = form.querySelector('p.outbox-error');
    if (!p) {
      p = document.createElement('p');
      p.className = 'error outbox-error';
      p.setAttribute('role', 'alert');
      form.insertBefore(p, form.firstChild);
    }
    p.textContent = message;
    p.scrollIntoView({ block: 'center' });
  }

  var editingKey = new URLSearchParams(location.search).get('outbox');

  function setUp(form) {
    var kind = form.dataset.outboxKind || 'report';
    var editing = null;
    var previous = null; // the item being replaced: its photos stay unless new ones are chosen
    (editingKey
      ? store('readonly').then(function (s) { return done(s.get(editingKey)); })
      : all().then(function (items) {
        return items.filter(function (i) { return i.state !== 'sent' && belongs(i, form); })[0];
      })
    ).then(function (item) {
      if (!item || !belongs(item, form)) return;
      editing = item.key;
      previous = item;
      // What was typed, over the record as stored now (a report's version is the page's own).
      refill(form, item.fields);
    });
    var asForm = false; // the page itself answers: a refusal to explain beside the fields
    form.addEventListener('submit', function (e) {
      if (asForm) return;
      e.preventDefault();
      var fields = Array.from(new FormData(form).entries()).filter(function (kv) { return typeof kv[1] === 'string'; });
      var body = BODIES[kind](fields);
      var ready = window.pantauPhotosReady ? window.pantauPhotosReady(form) : Promise.resolve();
      ready.then(function () { return kind === 'report' ? [] : photosOf(form); }).then(function (photos) {
        if (kind !== 'report') body.photos = photos.length || !previous ? photos : (previous.body.photos || []);
        var item = {
          key: uuid(),
          url: form.dataset.outbox,
          form: location.pathname + (body.period ? '?period=' + encodeURIComponent(body.period) : ''),
          title: (form.dataset.outboxTitle || '') + (body.period ? ' ' + body.period : ''),
          fields: fields,
          body: body,
          csrf: form.elements.csrf_token.value,
          state: 'waiting',
          at: Date.now()
        };
        function queue() {
          return (editing ? drop(editing) : Promise.resolve()).then(function () { return put(item); }).then(function () {
            editing = item.key;
            previous = item;
            var note = document.getElementById('outbox-queued');
            if (note) { note.hidden = false; note.scrollIntoView({ block: 'center' }); }
            return render();
          }).then(flush);
        }
        if (!navigator.onLine || editing) return queue();
        // Online, it still goes through the API with its key: a connection lost on the way
        // leaves it in the outbox (a retry writes once) instead of on a browser error page. A
        // refusal of a follow-up or a visit is shown above the form with what was typed kept;
        // a report's refusal is sent again as the form itself, whose page shows each stored
        // figure beside the typed one.
        return send(item).then(function (res) {
          if (res.ok) {
            location.href = form.dataset.outboxDone || location.pathname;
            return;
          }
          if (kind !== 'report' && res.status >= 400 && res.status < 500 && res.status !== 401) {
            return res.json().catch(function () { return {}; }).then(function (err) {
              refused(form, err.message || String(res.status));
            });
          }
          asForm = true;
          form.submit();
        }, queue);
      });
    });
  }
  document.querySelectorAll('form[data-outbox]').forEach(setUp);

  window.addEventListener('online', flush);
  render().then(flush);
})();
