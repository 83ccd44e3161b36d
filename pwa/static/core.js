/* The field app's core, shared by the page (app.js) and the service worker (sw.js):
   local storage in IndexedDB, the outbox sync, and the checklist scoring rule.
   A classic script on purpose: the service worker loads it with importScripts. */
(function (g) {
  'use strict';

  // --- ids ----------------------------------------------------------------------------------
  function uuid() {
    // crypto.randomUUID needs a secure context; a LAN deployment on plain http has only getRandomValues
    if (g.crypto && g.crypto.randomUUID) return g.crypto.randomUUID();
    var b = g.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // --- storage: IndexedDB, or memory where a browser has none (online-only then) -------------
  var DB_NAME = 'hrss-field', DB_VERSION = 1, dbPromise = null, memory = null;

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      if (!g.indexedDB) { reject(new Error('no IndexedDB')); return; }
      var r = g.indexedDB.open(DB_NAME, DB_VERSION);
      r.onupgradeneeded = function () {
        var db = r.result;
        if (!db.objectStoreNames.contains('records')) {
          db.createObjectStore('records', { keyPath: 'uuid' }).createIndex('status', 'status');
        }
        if (!db.objectStoreNames.contains('photos')) {
          db.createObjectStore('photos', { keyPath: 'uuid' }).createIndex('record_uuid', 'record_uuid');
        }
        if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
      r.onblocked = function () { reject(new Error('IndexedDB blocked')); };
    }).catch(function () {
      memory = { records: new Map(), photos: new Map(), meta: new Map() };
      return null;
    });
    return dbPromise;
  }

  function keyOf(store, value) { return store === 'meta' ? value.key : value.uuid; }

  // run fn(objectStore) in one transaction; resolves with fn's result once the transaction commits
  function tx(store, mode, fn) {
    return open().then(function (db) {
      if (!db) return fn(null);
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error || new Error('transaction failed')); };
        Promise.resolve(fn(t.objectStore(store))).then(function (v) { result = v; }, function (e) {
          try { t.abort(); } catch (x) { /* already finished */ }
          reject(e);
        });
      });
    });
  }

  function get(store, key) {
    return tx(store, 'readonly', function (s) { return s ? req(s.get(key)) : memory[store].get(key); });
  }
  function put(store, value) {
    return tx(store, 'readwrite', function (s) {
      if (s) return req(s.put(value));
      memory[store].set(keyOf(store, value), value);
    });
  }
  function del(store, key) {
    return tx(store, 'readwrite', function (s) { if (s) return req(s.delete(key)); memory[store].delete(key); });
  }
  function all(store) {
    return tx(store, 'readonly', function (s) { return s ? req(s.getAll()) : Array.from(memory[store].values()); });
  }
  function byIndex(store, index, value) {
    return tx(store, 'readonly', function (s) {
      if (s) return req(s.index(index).getAll(value));
      return Array.from(memory[store].values()).filter(function (v) { return v[index] === value; });
    });
  }
  // read, change and write one value in a single transaction; fn returns the new value or
  // undefined to leave it alone (so a sync never overwrites what the user changed meanwhile)
  function update(store, key, fn) {
    return tx(store, 'readwrite', function (s) {
      if (!s) {
        var m = memory[store].get(key), n = fn(m);
        if (n !== undefined) memory[store].set(key, n);
        return n;
      }
      return req(s.get(key)).then(function (current) {
        var next = fn(current);
        if (next === undefined) return current;
        return req(s.put(next)).then(function () { return next; });
      });
    });
  }
  function getMeta(key) { return get('meta', key).then(function (m) { return m ? m.value : undefined; }); }
  function setMeta(key, value) { return put('meta', { key: key, value: value }); }
  function persistent() { return open().then(function (db) { return !!db; }); }

  // --- the API ------------------------------------------------------------------------------
  var ENDPOINTS = { walkthrough: '/api/v1/walkthroughs', work_log: '/api/v1/work-logs',
                    inspection: '/api/v1/inspections' };

  function cookie(name) {
    if (typeof document === 'undefined') return null;
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }

  // the CSRF token: the page reads the cookie; the service worker asks cookieStore where it
  // exists, else uses the copy the page last kept in IndexedDB
  function csrfToken() {
    var c = cookie('_csrf_token');
    if (c) return setMeta('csrf', c).then(function () { return c; });
    if (g.cookieStore && g.cookieStore.get) {
      return g.cookieStore.get('_csrf_token').then(function (x) { return x ? x.value : getMeta('csrf'); },
                                                   function () { return getMeta('csrf'); });
    }
    return getMeta('csrf');
  }

  function errorOf(status, data) {
    var e = data && data.error;
    if (e && typeof e === 'object') return { code: e.code || String(status), message: e.message || '', fields: e.fields || {} };
    // the login guard answers {error: "unauthenticated", message}
    return { code: typeof e === 'string' ? e : String(status), message: (data && data.message) || '', fields: {} };
  }

  // a request that hangs on a weak link gives up after this long (a photo gets longer): it then
  // fails as a network failure does, and the queue moves on and tries it again later
  var TIMEOUT_MS = 20000, UPLOAD_TIMEOUT_MS = 90000;

  function timedFetch(path, init, ms) {
    if (typeof AbortController === 'undefined') return fetch(path, init);
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, ms);
    init.signal = ctrl.signal;
    return fetch(path, init).then(function (res) {
      // the body too must arrive in time: read it before the timer is cleared
      return res.text().then(function (text) { clearTimeout(timer); return { res: res, text: text }; });
    }, function (err) { clearTimeout(timer); throw err; });
  }

  // one request; resolves {status, data, error} or rejects on a network failure or a timeout
  function call(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: 'application/json' };
    var p = (method === 'GET' || method === 'HEAD') ? Promise.resolve(null) : csrfToken();
    return p.then(function (token) {
      if (token) headers['X-CSRFToken'] = token;
      var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
      if (body instanceof Blob) { init.body = body; headers['Content-Type'] = body.type || 'image/jpeg'; }
      else if (body !== undefined && body !== null) { init.body = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
      // (a test shortens the wait through self.HRSS_TIMEOUT_MS)
      var ms = opts.timeout || self.HRSS_TIMEOUT_MS || (body instanceof Blob ? UPLOAD_TIMEOUT_MS : TIMEOUT_MS);
      return timedFetch(path, init, ms);
    }).then(function (got) {
      var res = got.res, text = got.text;
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      var out = { status: res.status, data: data, error: null };
      if (!res.ok) out.error = errorOf(res.status, data);
      if (res.status === 403 && out.error.code === 'csrf' && !opts.retried) {
        // the short session lapsed and the device cookie signed us in again with a new
        // token: a safe request sets the fresh cookie, then try once more
        return fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' }).then(function () {
          return call(method, path, body, { retried: true, timeout: opts.timeout });
        });
      }
      return out;
    });
  }

  // --- payloads -----------------------------------------------------------------------------
  // drop empty optional values and UI-only keys (those starting with "_")
  function clean(v) {
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object' && !(v instanceof Blob)) {
      var out = {};
      Object.keys(v).forEach(function (k) {
        if (k.charAt(0) === '_') return;
        var x = v[k];
        if (x === null || x === undefined || x === '') return;
        out[k] = clean(x);
      });
      return out;
    }
    return v;
  }

  // --- sync ---------------------------------------------------------------------------------
  var BASE_DELAY = 5000, MAX_DELAY = 5 * 60 * 1000;
  function backoff(attempts) {
    var d = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(d * (0.5 + Math.random()));  // jitter: phones coming back together spread out
  }

  function withLock(fn, ifAvailable) {
    var locks = g.navigator && g.navigator.locks;
    if (!locks) return fn(true);
    return locks.request('hrss-field-sync', { ifAvailable: !!ifAvailable }, function (lock) { return fn(!!lock); });
  }

  function photoUrl(p) {
    var q = ['owner_kind=' + encodeURIComponent(p.owner_kind), 'owner_uuid=' + encodeURIComponent(p.owner_uuid)];
    if (p.taken_at) q.push('taken_at=' + encodeURIComponent(p.taken_at));
    if (p.location) {
      q.push('lon=' + p.location.lon, 'lat=' + p.location.lat);
      if (p.location.accuracy_m != null) q.push('accuracy_m=' + p.location.accuracy_m);
    }
    return '/api/v1/photos/' + p.uuid + '?' + q.join('&');
  }

  // A status that means "try again later" rather than "the server refused this record".
  function transient(status) { return status === 429 || status === 408 || status >= 500 || status === 0; }
  // the user must change a one-time password first: nothing is wrong with the record, it waits
  function passwordFirst(res) { return res.status === 403 && !!res.error && res.error.code === 'password_change_required'; }

  function setRecord(uuid, fn) {
    return update('records', uuid, function (r) {
      if (!r || r.status !== 'waiting') return undefined;  // withdrawn or deleted meanwhile
      return fn(r);
    });
  }

  // Send what is waiting, oldest first: the records' bodies in batches (sendBodies), then each
  // record's photos, one request per photo.
  // opts.force ignores the back-off (the "sync now" button); opts.user limits it to that
  // user's records (a shared phone never sends one person's records under another's account).
  // Resolves {sent, rejected, waiting, auth, offline, next}.
  function sync(opts) {
    opts = opts || {};
    return withLock(function (got) {
      if (!got) return { busy: true };
      return syncLocked(opts);
    }, false);
  }

  function syncLocked(opts) {
    var result = { sent: 0, rejected: 0, waiting: 0, auth: false, password: false, offline: false, next: null };
    var now = Date.now();
    function note(t) { if (!result.next || t < result.next) result.next = t; }
    function due(rec) {
      if (opts.user && rec.user && rec.user !== opts.user) return false;
      if (!opts.force && rec.next_try_at && rec.next_try_at > now) { note(rec.next_try_at); return false; }
      return true;
    }
    function waiting() {
      return byIndex('records', 'status', 'waiting').then(function (records) {
        return records.sort(function (a, b) { return (a.queued_at || a.created_at) < (b.queued_at || b.created_at) ? -1 : 1; });
      });
    }
    return waiting().then(function (records) {
      return sendBodies(records.filter(function (r) { return !r.body_sent && due(r); }), result);
    }).then(waiting).then(function (records) {
      var i = 0;
      function step() {
        if (i >= records.length || result.auth || result.password || result.offline) return finish();
        var rec = records[i++];
        if (!due(rec)) return step();
        return sendRecord(rec, result).then(function (r) {
          if (r && r.next_try_at) note(r.next_try_at);
          if (opts.onProgress) opts.onProgress(rec.uuid);
          return step();
        });
      }
      function finish() {
        return byIndex('records', 'status', 'waiting').then(function (left) {
          result.waiting = left.length;
          return setMeta('last_sync', { at: new Date().toISOString(), result: result }).then(function () { return result; });
        });
      }
      return step();
    });
  }

  function retryLater(rec, error, result) {
    return setRecord(rec.uuid, function (r) {
      r.attempts = (r.attempts || 0) + 1;
      r.next_try_at = Date.now() + backoff(r.attempts);
      r.last_error = error;
      return r;
    });
  }

  function reject(rec, error, result) {
    result.rejected++;
    return setRecord(rec.uuid, function (r) {
      r.status = 'rejected';
      r.error = error;
      r.rejected_at = new Date().toISOString();
      r.attempts = 0; r.next_try_at = null;
      return r;
    });
  }

  function handle(res, rec, result, what) {
    // the common answers; returns true when the caller may go on
    if (res.status === 401) { result.auth = true; return setMeta('auth_required', true).then(function () { return false; }); }
    if (passwordFirst(res)) { result.password = true; return Promise.resolve(false); }
    if (transient(res.status)) return retryLater(rec, res.error, result).then(function () { return false; });
    return reject(rec, Object.assign({ what: what }, res.error), result).then(function () { return false; });
  }

  // No connection to the server says nothing about this record: the caller backs the whole
  // outbox off, and everything goes as soon as the server answers again.
  function networkDown(rec, result) {
    result.offline = true;
    return setRecord(rec.uuid, function (r) { r.last_error = { code: 'network', message: '' }; return r; });
  }

  function bodySent(rec, stored) {
    return setRecord(rec.uuid, function (r) {
      r.body_sent = true; r.body_sent_at = new Date().toISOString();
      r.server = stored || null;
      return r;
    }).then(function () { return true; });
  }

  // Up to BATCH records' bodies in one request (POST /api/v1/records: one round trip on a weak
  // link instead of one per record); each record is answered on its own, as at its endpoint. No
  // connection: the outbox backs off, as for one record. Any other answer to the batch as a whole
  // (signed out, a server without the batch endpoint, a failure) marks nothing: sendRecord then
  // sends those bodies one by one and reads each answer as before.
  var BATCH = 20;
  function sendBodies(records, result) {
    var k = 0;
    function next() {
      if (k >= records.length || result.offline) return Promise.resolve();
      var chunk = records.slice(k, k + BATCH);
      k += BATCH;
      var items = chunk.map(function (r) { return { kind: r.kind, body: r.payload }; });
      return call('POST', '/api/v1/records', { records: items }).then(function (res) {
        var answers = res.status === 200 && res.data && res.data.results;
        if (!answers || answers.length !== chunk.length) return null;
        return chunk.reduce(function (p, rec, n) {
          var a = answers[n];
          return p.then(function () {
            if (a.status === 200 || a.status === 201) return bodySent(rec, a.record);
            return handle({ status: a.status, error: errorOf(a.status, a) }, rec, result, 'record');
          });
        }, Promise.resolve()).then(next);
      }, function () {
        return chunk.reduce(function (p, rec) { return p.then(function () { return networkDown(rec, result); }); },
                            Promise.resolve());
      });
    }
    return next();
  }

  function sendRecord(rec, result) {
    var first = rec.body_sent ? Promise.resolve(true) :
      call('POST', ENDPOINTS[rec.kind], rec.payload).then(function (res) {
        if (res.status === 200 || res.status === 201) return bodySent(rec, res.data);
        return handle(res, rec, result, 'record');
      }, function () { return networkDown(rec, result).then(function () { return false; }); });
    return first.then(function (ok) {
      if (!ok) return get('records', rec.uuid);
      return byIndex('photos', 'record_uuid', rec.uuid).then(function (photos) {
        var j = 0;
        function next() {
          while (j < photos.length && photos[j].status === 'sent') j++;
          if (j >= photos.length) return done();
          var p = photos[j++];
          return call('PUT', photoUrl(p), p.blob).then(function (res) {
            if (res.status === 200 || res.status === 201) {
              return update('photos', p.uuid, function (x) {
                if (!x) return undefined;
                x.status = 'sent'; x.sent_at = new Date().toISOString(); x.server = res.data || null;
                return x;
              }).then(next);
            }
            if (res.status !== 401 && !transient(res.status) && !passwordFirst(res)) {
              return update('photos', p.uuid, function (x) {
                if (!x) return undefined;
                x.status = 'rejected'; x.error = res.error; return x;
              }).then(function () { return handle(res, rec, result, 'photo'); });
            }
            return handle(res, rec, result, 'photo');
          }, function () { return networkDown(rec, result); });
        }
        function done() {
          result.sent++;
          return setRecord(rec.uuid, function (r) {
            r.status = 'sent'; r.sent_at = new Date().toISOString();
            r.error = null; r.last_error = null; r.next_try_at = null;
            return r;
          });
        }
        return next();
      }).then(function () { return get('records', rec.uuid); });
    });
  }

  // --- checklist scoring: a port of data/rules/scoring.py (tests/browser/test_field.py runs
  // one table of cases through both) ---------------------------------------------------------
  var DEFAULT_THRESHOLDS = { model: 90, standard: 80, rectify: 60 };

  function itemFraction(item, value) {
    if (value === null || value === undefined || value === 'na') return null;
    var rule = item.rule || {}, type = String(item.answer_type);
    if (type === 'pass_fail') {
      if (value !== 'pass' && value !== 'fail') throw new Error(item.code + ': expected pass, fail or na');
      return value === 'pass' ? 1 : 0;
    }
    if (type === 'number') {
      if (typeof value !== 'number') throw new Error(item.code + ': expected a number');
      var ok = (!('max_ok' in rule) || value <= rule.max_ok) && (!('min_ok' in rule) || value >= rule.min_ok);
      return ok ? 1 : 0;
    }
    if (type === 'choice') {
      var options = rule.options || [];
      for (var i = 0; i < options.length; i++) if (options[i].value === value) return Number(options[i].score);
      throw new Error(item.code + ': not one of the options');
    }
    throw new Error(item.code + ': unknown answer type ' + type);
  }

  // Python's round(x, 1): the exact binary value rounded to one decimal, ties to even
  function round1(x) {
    if (!isFinite(x)) return x;
    var neg = x < 0, s, dot;
    try { s = Math.abs(x).toFixed(100); } catch (e) { s = Math.abs(x).toFixed(20); }  // engines before ES2018
    dot = s.indexOf('.');
    var whole = s.slice(0, dot), digit = s.charAt(dot + 1), rest = s.slice(dot + 2).replace(/0+$/, '');
    var n = Number(whole) * 10 + Number(digit);
    if (rest > '5' || (rest === '5' && n % 2 === 1)) n += 1;
    var r = n / 10;
    return neg ? -r : r;
  }

  function gradeFor(total, thresholds) {
    var t = thresholds || DEFAULT_THRESHOLDS;
    if (total >= t.model) return 'model';
    if (total >= t.standard) return 'standard';
    if (total >= t.rectify) return 'rectify';
    return 'fail';
  }

  function answerValue(answers, code) {
    var a = answers[code];
    if (a === null || a === undefined) return null;
    return (typeof a === 'object' && !Array.isArray(a)) ? (a.value === undefined ? null : a.value) : a;
  }

  function scoreChecklist(items, answers, thresholds) {
    var earned = new Map(), possible = new Map(), failed = [], unanswered = [], vetoed = false;
    items.forEach(function (item) {
      var code = item.code;
      if (!Object.prototype.hasOwnProperty.call(answers, code)) unanswered.push(code);
      var fraction = itemFraction(item, answerValue(answers, code));
      if (fraction === null) return;
      if (fraction < 1) { failed.push(code); vetoed = vetoed || !!item.veto; }
      var weight = Number(item.weight || 0);
      if (weight > 0) {
        var c = item.category;
        earned.set(c, (earned.has(c) ? earned.get(c) : 0) + weight * fraction);
        possible.set(c, (possible.has(c) ? possible.get(c) : 0) + weight);
      }
    });
    var applicable = 0, sumEarned = 0, categoryScores = {};
    possible.forEach(function (p, c) { applicable += p; categoryScores[c] = round1(100 * earned.get(c) / p); });
    earned.forEach(function (e) { sumEarned += e; });
    if (applicable === 0) {
      return { total: null, category_scores: categoryScores, vetoed: vetoed, grade: vetoed ? 'fail' : null,
               applicable_weight: 0, failed: failed, unanswered: unanswered };
    }
    var total = round1(100 * sumEarned / applicable);
    return { total: total, category_scores: categoryScores, vetoed: vetoed,
             grade: vetoed ? 'fail' : gradeFor(total, thresholds), applicable_weight: applicable,
             failed: failed, unanswered: unanswered };
  }

  // the live preview of a half-filled form: unanswered and invalid answers count as not applicable
  function previewScore(items, answers, thresholds) {
    var usable = {};
    items.forEach(function (item) {
      var v = answerValue(answers, item.code);
      try { itemFraction(item, v); } catch (e) { return; }
      if (v !== null && v !== '') usable[item.code] = { value: v };
    });
    return scoreChecklist(items, usable, thresholds);
  }

  g.FieldCore = {
    uuid: uuid, open: open, get: get, put: put, del: del, all: all, byIndex: byIndex, update: update,
    getMeta: getMeta, setMeta: setMeta, persistent: persistent,
    call: call, csrfToken: csrfToken, clean: clean, ENDPOINTS: ENDPOINTS, BATCH: BATCH,
    sync: sync, withLock: withLock, backoff: backoff,
    itemFraction: itemFraction, scoreChecklist: scoreChecklist, previewScore: previewScore,
    gradeFor: gradeFor, round1: round1
  };
})(self);
