/* 人社督导 field app: walkthroughs (走流程), work logs (工作日志), window audits and station checks,
   saved on the phone first (IndexedDB) and sent through /api/v1 when there is a connection.
   Plain DOM, no framework, no build step. Strings: Chinese first, English from EN below. */
(function () {
  'use strict';
  var C = self.FieldCore;

  // --- i18n: message ids are the Chinese strings, as on the server --------------------------
  var EN = {
    '人社督导': 'HRSS Field', '在线': 'Online', '离线': 'Offline', '连不上服务器': 'Server unreachable',
'首页': 'Home', '记录': 'Records', '返回': 'Back', '电脑版': 'Dashboard',
    '登录': 'Sign in', '用户名': 'User name', '密码': 'Password', '正在登录…': 'Signing in…',
    '用户名或密码错误': 'Wrong user name or password', '需要联网才能登录。已保存的记录都还在本机。':
      'Signing in needs a connection. Everything saved is still on this phone.',
    '登录已过期，请重新登录。未发送的记录都保留在本机，登录后继续发送。':
      'Your sign-in has expired. Sign in again: nothing waiting is lost, sending continues afterwards.',
    '重新登录': 'Sign in again', '退出登录': 'Sign out', '仅限授权人员使用，操作全程留痕': 'Authorised staff only; every action is logged',
    '本机还有 {n} 条记录未发送，退出后仍保留在本机，下次登录后发送。确定退出？':
      '{n} records on this phone are not sent yet. They stay here and are sent after the next sign-in. Sign out?',
    '走流程': 'Walkthrough', '工作日志': 'Work log', '窗口督查': 'Window audit', '标准化检查': 'Station check',
    '以群众身份体验办事流程': 'Go through a service as a citizen', '记录今天的挂职工作': "Record today's work",
    '明察暗访，逐项打分': 'Audit the windows item by item', '人社所“六个规范”检查': 'The six standards of a township station',
    '草稿': 'Draft', '待发送': 'Waiting', '已发送': 'Sent', '被退回': 'Rejected', '全部': 'All',
    '立即同步': 'Sync now', '正在同步…': 'Syncing…', '全部已发送': 'Everything is sent',
    '{n} 条待发送': '{n} waiting', '{n} 条被退回，请修改后重新发送': '{n} rejected: fix and send again',
    '上次同步 {t}': 'Last sync {t}', '已发送 {n} 条': '{n} sent', '离线：记录已保存在本机，联网后自动发送':
      'Offline: saved on this phone, sent automatically once connected',
    '服务器暂时连不上，稍后自动重试': 'The server cannot be reached; retrying automatically',
    '领导批示': "Leaders' comments", '暂无批示': 'No comments yet', '我的待办': 'My to-do list',
    '没有等您处理的事项': 'Nothing waits for you', '期限 {d}': 'due {d}', '截至上次同步': 'As of the last sync', '本机没有记录': 'No records on this phone',
    '清除已发送': 'Clear sent records', '已发送的记录将从本机删除（服务器上保留）。确定？':
      'Sent records will be removed from this phone (the server keeps them). Continue?',
    '基本信息': 'Basics', '服务事项': 'Service', '请选择': 'Choose…', '办理渠道': 'Channel', '办理方式': 'Mode',
    '窗口': 'Window', '网上': 'Online', '掌上（APP）': 'App', '自助终端': 'Self-service', '电话': 'Phone',
    '亲身办': 'In person', '陪同办': 'Accompanying', '地点': 'Place', '例如：某某镇人社所大厅': 'e.g. the township station hall',
    '日期': 'Date', '站点': 'Station', '（不选）': '(none)', '搜索站点': 'Search stations',
    '办理环节计时': 'Timed steps', '咨询': 'Consult', '受理': 'Accept', '办理': 'Handle', '反馈': 'Feedback',
    '查询': 'Query', '其他环节': 'Other step', '添加环节': 'Add step', '开始': 'Start', '停止': 'Stop',
    '删除': 'Delete', '环节名称': 'Step name', '还没有环节，点下面的按钮添加': 'No steps yet: add one below',
    '跑动次数': 'Trips', '减少': 'Less', '增加': 'More', '办事材料': 'Materials',
    '公布的材料清单（勾选窗口实际要求的）': 'Published list (tick what the window asked for)',
    '该事项没有公布材料清单': 'No published list for this service',
    '清单以外要求的材料': 'Asked beyond the list', '材料名称': 'Material', '添加': 'Add',
    '超出公布清单 {n} 项': '{n} beyond the published list',
    '问题清单': 'Issues', '需求清单': 'Needs', '整改清单': 'Fixes', '添加问题': 'Add an issue',
    '添加需求': 'Add a need', '添加整改': 'Add a fix', '类别': 'Category', '内容': 'Description',
    '整改措施': 'Measure', '责任单位或人': 'Owner', '完成期限': 'Due', '拍照': 'Photo', '照片': 'Photos',
    '删除照片': 'Delete photo', '备注': 'Note', '定位打卡': 'Check-in point', '在此打卡': 'Check in here',
    '正在定位…': 'Locating…', '已打卡：精度约 {m} 米': 'Checked in: accurate to about {m} m', '清除定位': 'Remove point',
    '无法定位：{e}': 'No position: {e}', '只记录这一次的位置，不会持续定位。': 'Records this one point only; never tracks you.',
    '提交发送': 'Submit', '重新发送': 'Send again', '保存在本机': 'Saved on this phone', '已自动保存 {t}': 'Saved {t}',
    '撤回修改': 'Withdraw to edit', '正在发送，请稍后再试': 'Sending right now; try again in a moment',
    '服务器退回了这条记录：': 'The server returned this record:', '请修改标出的内容后重新发送。': 'Fix the marked fields and send again.',
    '这条记录已经在等待发送。': 'This record is waiting to be sent.', '已于 {t} 送达服务器。': 'Reached the server at {t}.',
    '记录已送达，但照片被退回：': 'The record arrived, but a photo was refused:',
    '以新编号重新发送': 'Send as a new record', '保留服务器上的版本': "Keep the server's version",
    '删除这份草稿？': 'Delete this draft?', '删除这一条（连同其照片）？': 'Delete this item (and its photos)?',
    '已删除一条': 'Item deleted', '撤销': 'Undo', '领导退回了这条日志：': 'A leader returned this log:',
    '请修改后重新发送，仍是这一条记录。': 'Change it and send it again: it stays the same record.',
    '领导退回了这条走流程记录：': 'A leader returned this walkthrough:', '审核人退回了这份检查记录：': 'A reviewer returned this audit:', '修改': 'Edit', '（已停用）': ' (retired)',
    '手机存储已满，这次修改没有保存。请联网同步，并在“记录”里清除已发送的记录、删去不用的照片后再试。':
      'The phone\'s storage is full: this change was not saved. Sync, then clear sent records and unused photos under Records, and try again.', '删除草稿': 'Delete draft', '已删除': 'Deleted',
    '已保存，联网后自动发送': 'Saved; it is sent automatically once connected', '记录不存在': 'No such record',
    '必填': 'Required', '整改期限不能早于走流程日期': 'The due date cannot be before the walkthrough', '请填写内容': 'Please describe it', '请先停止计时': 'Stop the timer first',
    '日期不能晚于今天': 'The date cannot be in the future', '只能补记 30 天内的日志': 'Logs older than 30 days cannot be added',
    '请至少选一项': 'Choose at least one', '1 到 20 次': '1 to 20', '请填写整数': 'Whole numbers only',
    '还有 {n} 处需要填写': '{n} fields still need an answer',
    '工作类型': 'Work types', '今日工作': 'What was done', '解决的问题': 'What was solved',
    '服务群众（人次）': 'People served', '检查方式': 'Audit mode', '同行检查人员': 'Fellow auditors',
    '至少还需一名同行人员': 'At least one other auditor', '搜索人员': 'Search people', '检查日期': 'Date',
    '检查项目': 'Items', '合格': 'Pass', '不合格': 'Fail', '不适用': 'N/A', '此方式不检查该项': 'Not judged in this mode',
    '不合格需拍照留证': 'A failed item needs a photo', '总结': 'Summary', '得分': 'Score', '已答 {a}/{n}': '{a}/{n} answered',
    '一票否决': 'Veto', '{n} 分': '{n} pts', '（未选站点）': '(no station chosen)', '示范': 'Model', '达标': 'Standard', '限期整改': 'Fix by deadline', '不达标': 'Fail',
    '定期检查': 'Scheduled check', '明查': 'Overt', '暗访': 'Covert', '电话拨测': 'Phone test', '网上测评': 'Online test',
    '没有可用的检查模板，请联网同步': 'No checklist template on this phone: connect and sync',
    '请先联网登录一次，下载基础数据': 'Connect and sign in once to download the reference data',
    '填写数值': 'Enter a number', '达标范围：{r}': 'Meets the standard at {r}', '照片处理失败': 'The photo could not be processed',
    '本浏览器不能离线保存，请保持联网': 'This browser cannot save offline: stay connected',
    '有新版本，重新打开后生效': 'A new version is ready: it takes effect when you reopen the app',
    '管理员': 'Administrator', '领导': 'Leader', '经办人员': 'Case officer', '督查员': 'Inspector',
    '挂职干部': 'Seconded cadre', '大屏': 'Wall', '（未选服务事项）': '(no service chosen)',
    '修改密码': 'Change password', '保存新密码': 'Save the new password', '当前密码': 'Current password',
    '新密码': 'New password', '再次输入新密码': 'New password again', '密码已修改': 'Password changed',
    '未能修改密码': 'The password was not changed', '需要联网才能修改密码': 'Changing the password needs a connection',
    '至少 10 个字符，不能与用户名相同。': 'At least 10 characters, not the user name.',
    '您正在使用管理员发放的一次性密码。请先设置自己的密码，之后才能使用系统。':
      'You signed in with a one-time password from the administrator: set your own before anything else.',
    '条发现': 'findings', '张照片': 'photos', '照片 {a}/{n} 已发送': 'photos {a}/{n} sent', '编号': 'Number',
    '属于 {u}，需其本人登录后发送': 'Belongs to {u}: sent when they sign in', '拍照或选择照片': 'Take or choose a photo',
    '服务器的说明': "Server's message"
  };
  var lang = localStorage.getItem('field-lang') || 'zh';
  function t(s, vars) {
    var out = (lang === 'en' && EN[s]) || s;
    if (vars) Object.keys(vars).forEach(function (k) { out = out.split('{' + k + '}').join(vars[k]); });
    return out;
  }

  var CHANNELS = [['window', '窗口'], ['online', '网上'], ['app', '掌上（APP）'], ['self_service', '自助终端'], ['phone', '电话']];
  var MODES = [['in_person', '亲身办'], ['accompany', '陪同办']];
  var STEP_NAMES = ['咨询', '受理', '办理', '反馈', '查询'];
  var LISTS = [['issue', '问题清单', '添加问题'], ['need', '需求清单', '添加需求'], ['fix', '整改清单', '添加整改']];
  var AUDIT_MODES = { window_audit: [['overt', '明查'], ['covert', '暗访'], ['phone', '电话拨测'], ['online', '网上测评']],
                      station_check: [['announced', '定期检查'], ['overt', '明查']] };
  var TEMPLATE_KIND = { window_audit: 'window_audit', station_check: 'standardisation' };
  var GRADES = { model: '示范', standard: '达标', rectify: '限期整改', fail: '不达标' };
  var ROLES = { admin: '管理员', leader: '领导', case_officer: '经办人员', inspector: '督查员', cadre: '挂职干部', wall: '大屏' };
  var KIND_LABEL = { walkthrough: '走流程', work_log: '工作日志', window_audit: '窗口督查', station_check: '标准化检查' };
  var STATUS_LABEL = { draft: '草稿', waiting: '待发送', sent: '已发送', rejected: '被退回' };
  var MAY = { walkthrough: ['leader', 'cadre', 'inspector', 'admin'], work_log: ['cadre', 'admin'],
              window_audit: ['inspector', 'admin'], station_check: ['inspector', 'admin'] };

  // --- state --------------------------------------------------------------------------------
  var S = { user: null, ref: null, authRequired: false, syncing: false, serverDown: false, failures: 0, epoch: 0, again: false,
            lastSync: null, timer: null, afterLogin: null, persistent: true, view: null };
  var $view = document.getElementById('view'), $banner = document.getElementById('banner');

  // --- small helpers ------------------------------------------------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k in el && k !== 'list' && k !== 'form') el[k] = v;
      else el.setAttribute(k, v === true ? '' : v);
    });
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { add(el, k); }); return; }
    el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  }
  var ids = 0;
  function nid(p) { return (p || 'f') + '-' + (++ids); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function localDate(d) { d = d || new Date(); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  // "today" as the server counts it: the day offset seen at the last reference download
  // (zero on a phone whose clock is right) keeps dates valid on a phone whose clock is not
  function today(days) { return localDate(new Date(Date.now() + ((S.dayOffset || 0) + (days || 0)) * 86400000)); }
  function isoNow() {
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? '+' : '-';
    off = Math.abs(off);
    return localDate(d) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) +
      sign + pad(Math.floor(off / 60)) + ':' + pad(off % 60);
  }
  function hhmm(iso) { if (!iso) return ''; var d = new Date(iso); return localDate(d).slice(5) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  function mmss(s) { s = Math.max(0, Math.round(s)); return pad(Math.floor(s / 60)) + ':' + pad(s % 60); }
  function daysBetween(a, b) { return Math.round((Date.parse(b) - Date.parse(a)) / 86400000); }
  function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }
  function may(kind) { return !!S.user && MAY[kind].indexOf(S.user.role) >= 0; }
  function refList(name) { return (S.ref && S.ref[name]) || []; }
  // every {value, label} list of a reference, as one map of names
  function namesOf(ref) {
    var out = {};
    function take(list) {
      list.forEach(function (o) { if (o && o.value !== undefined && o.label) out[String(o.value)] = o.label; });
    }
    Object.keys(ref || {}).forEach(function (k) {
      var v = ref[k];
      if (Array.isArray(v)) take(v);
      else if (v && typeof v === 'object') Object.keys(v).forEach(function (j) { if (Array.isArray(v[j])) take(v[j]); });
    });
    return out;
  }

  var toastTimer = null;
  // a short message; with `action` ({label, run}) a button that undoes what was just done, for longer
  function toast(msg, action, ms) {
    var el = document.getElementById('toast');
    el.textContent = msg; el.hidden = false;
    clearTimeout(toastTimer);
    if (action) {
      el.appendChild(h('button', { type: 'button', class: 'toast-action', id: 'toast-action', text: action.label,
        onclick: function () { clearTimeout(toastTimer); el.hidden = true; action.run(); } }));
    }
    toastTimer = setTimeout(function () { el.hidden = true; }, ms || (action ? 10000 : 3500));
  }

  // --- the header: connection state and language -------------------------------------------
  function renderHeader() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = t('人社督导');
    document.getElementById('brand').textContent = t('人社督导');
    var net = document.getElementById('net');
    var state = !navigator.onLine ? 'off' : (S.serverDown ? 'down' : 'on');
    net.className = 'net net-' + state;
    net.textContent = state === 'off' ? t('离线') : state === 'down' ? t('连不上服务器') : t('在线');
    var lb = document.getElementById('lang');
    lb.textContent = lang === 'en' ? '中文' : 'English';
    lb.setAttribute('lang', lang === 'en' ? 'zh-CN' : 'en');
    var tabs = document.querySelectorAll('#tabs a');
    tabs[0].querySelector('span').textContent = t('首页');
    tabs[1].querySelector('span').textContent = t('记录');
  }

  function renderBanner() {
    $banner.textContent = '';
    if (S.authRequired && S.view !== 'login') {
      add($banner, h('div', { class: 'banner banner-warn', role: 'alert' },
        h('p', { text: t('登录已过期，请重新登录。未发送的记录都保留在本机，登录后继续发送。') }),
        h('button', { class: 'btn btn-primary', type: 'button', text: t('重新登录'), onclick: function () {
          S.afterLogin = location.hash || '#/'; go('#/login');
        } })));
    }
    if (!S.persistent) add($banner, h('div', { class: 'banner banner-warn', role: 'alert', text: t('本浏览器不能离线保存，请保持联网') }));
  }

  async function updateBadge() {
    var recs = await C.all('records');
    var n = recs.filter(function (r) { return r.status === 'waiting' || r.status === 'rejected'; }).length;
    var b = document.getElementById('badge');
    b.textContent = n ? String(n) : '';
    b.hidden = !n;
    return recs;
  }

  // --- sign-in ------------------------------------------------------------------------------
  function deviceLabel() {
    var ua = navigator.userAgent, os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : 'Web';
    var br = /MicroMessenger/.test(ua) ? 'WeChat' : /EdgA?\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' :
      /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
    return os + ' · ' + br;
  }

  function viewLogin() {
    var err = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
    var user = h('input', { id: 'username', name: 'username', autocomplete: 'username', autocapitalize: 'none',
                            required: true, value: (S.user && S.user.username) || S.lastUsername || '' });
    var pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    var submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'login-submit', text: t('登录') });
    var form = h('form', { class: 'card login', novalidate: true, onsubmit: async function (e) {
      e.preventDefault();
      err.textContent = '';
      if (!user.value.trim() || !pass.value) { err.textContent = t('用户名或密码错误'); return; }
      submit.disabled = true; submit.textContent = t('正在登录…');
      try {
        var res = await C.call('POST', '/api/v1/session', { username: user.value.trim(), password: pass.value,
                                                            device_label: deviceLabel() });
        if (res.status === 200 || res.status === 201) {
          await signedIn(res.data.user);
          return;
        }
        err.textContent = (res.error && res.error.message) || t('用户名或密码错误');
      } catch (x) {
        err.textContent = t('需要联网才能登录。已保存的记录都还在本机。');
      }
      submit.disabled = false; submit.textContent = t('登录');
    } },
      h('h1', { class: 'h1', text: t('登录') }),
      S.authRequired ? h('p', { class: 'note', text: t('登录已过期，请重新登录。未发送的记录都保留在本机，登录后继续发送。') }) : null,
      !navigator.onLine ? h('p', { class: 'note', text: t('需要联网才能登录。已保存的记录都还在本机。') }) : null,
      field(t('用户名'), user), field(t('密码'), pass), err, submit,
      h('p', { class: 'small muted', text: t('仅限授权人员使用，操作全程留痕') }));
    var mark = document.querySelector('.bar .mark').cloneNode(true);
    mark.setAttribute('width', '64'); mark.setAttribute('height', '64');
    return h('div', { class: 'login-wrap' }, h('div', { class: 'brand-big' }, mark), form);
  }

  // the user's own password; the first thing to do after signing in with a one-time one
  function viewPassword() {
    var forced = !!(S.user && S.user.must_change_password);
    var err = h('p', { class: 'form-error', id: 'pw-error', role: 'alert' });
    var inputs = {};
    [['current', 'current-password'], ['new', 'new-password'], ['repeat', 'new-password']].forEach(function (f) {
      inputs[f[0]] = h('input', { id: 'pw-' + f[0], name: f[0], type: 'password', autocomplete: f[1], required: true });
    });
    var submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'pw-submit', text: t('保存新密码') });
    var form = h('form', { class: 'card login', novalidate: true, onsubmit: async function (e) {
      e.preventDefault();
      err.textContent = '';
      submit.disabled = true;
      try {
        var res = await C.call('POST', '/api/v1/password', { current: inputs.current.value, new: inputs['new'].value,
                                                             repeat: inputs.repeat.value });
        if (res.status === 204) {
          S.user.must_change_password = false;
          await C.setMeta('user', S.user);
          toast(t('密码已修改'));
          await refreshReference();
          go('#/');
          runSync(true);
          return;
        }
        var fields = (res.error && res.error.fields) || {};
        err.textContent = Object.keys(fields).map(function (k) { return fields[k]; }).join('；') ||
          (res.error && res.error.message) || t('未能修改密码');
      } catch (x) {
        err.textContent = t('需要联网才能修改密码');
      }
      submit.disabled = false;
    } },
      h('h1', { class: 'h1', text: t('修改密码') }),
      forced ? h('p', { class: 'note', id: 'pw-forced', text: t('您正在使用管理员发放的一次性密码。请先设置自己的密码，之后才能使用系统。') }) : null,
      field(t('当前密码'), inputs.current), field(t('新密码'), inputs['new'], { hint: t('至少 10 个字符，不能与用户名相同。') }),
      field(t('再次输入新密码'), inputs.repeat), err, submit);
    return h('div', { class: 'login-wrap' }, form);
  }

  async function signedIn(user) {
    S.epoch = (S.epoch || 0) + 1;
    S.user = user;
    S.authRequired = false;
    await C.setMeta('user', user);
    await C.setMeta('auth_required', false);
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    if (user.must_change_password) { go('#/password'); return; }  // a one-time password: nothing else first
    await refreshReference();
    var next = S.afterLogin && S.afterLogin !== '#/login' ? S.afterLogin : '#/';
    S.afterLogin = null;
    go(next);
    runSync(true);
  }

  async function refreshReference() {
    if (!S.user || !navigator.onLine) return;
    var epoch = S.epoch;
    try {
      var res = await C.call('GET', '/api/v1/reference');
      if (res.status === 200 && res.data) {
        // the names of choices no longer offered stay known, to show a record that still has them
        res.data._names = Object.assign({}, (S.ref && S.ref._names) || {}, namesOf(S.ref), namesOf(res.data));
        S.ref = res.data;
        S.serverDown = false;
        if (S.authRequired) { S.authRequired = false; await C.setMeta('auth_required', false); renderBanner(); }
        if (res.data.server_date) {
          S.dayOffset = daysBetween(localDate(), res.data.server_date);
          await C.setMeta('day_offset', S.dayOffset);
        }
        if (res.data.user) { S.user = res.data.user; await C.setMeta('user', res.data.user); }
        await C.setMeta('reference', res.data);
        await C.csrfToken();
      } else if (res.status === 401 && epoch === S.epoch) {
        await needLogin();
      } else if (res.status === 403 && res.error && res.error.code === 'password_change_required') {
        S.user.must_change_password = true;
        await C.setMeta('user', S.user);
        go('#/password');
      }
    } catch (e) { S.serverDown = true; }
    renderHeader();
  }

  async function needLogin() {
    S.authRequired = true;
    await C.setMeta('auth_required', true);
    renderBanner();
    if (S.view === 'home' || S.view === 'outbox') { S.afterLogin = location.hash || '#/'; go('#/login'); }
  }

  async function signOut() {
    var recs = await C.all('records');
    var pending = recs.filter(function (r) { return r.status !== 'sent' && r.status !== 'draft'; }).length;
    if (pending && !confirm(t('本机还有 {n} 条记录未发送，退出后仍保留在本机，下次登录后发送。确定退出？', { n: pending }))) return;
    try { await C.call('DELETE', '/api/v1/session'); } catch (e) { /* offline: the cookie stays until it lapses */ }
    S.authRequired = false;
    await C.setMeta('auth_required', false);
    await C.setMeta('last_username', S.user.username);
    await C.setMeta('user', null);
    S.user = null;
    go('#/login');
  }

  // --- sync ---------------------------------------------------------------------------------
  async function runSync(force) {
    if (!S.user || S.authRequired) return;
    if (!navigator.onLine && !force) return;
    if (S.syncing) { S.again = true; return; }  // once this pass ends, another one
    var epoch = S.epoch;
    S.syncing = true; renderSyncState();
    var res;
    try {
      res = await C.sync({ force: !!force, user: S.user.username, onProgress: updateBadge });
    } catch (e) {
      res = { offline: true };
    }
    S.syncing = false;
    if (res.busy) return;
    clearTimeout(S.timer);
    if (res.offline) {
      S.serverDown = navigator.onLine; S.failures++;
      S.timer = setTimeout(runSync, C.backoff(S.failures));
    } else {
      S.serverDown = false; S.failures = 0;
      if (res.next) S.timer = setTimeout(runSync, Math.max(1000, res.next - Date.now()));
    }
    S.lastSync = await C.getMeta('last_sync');
    if (res.sent) toast(t('已发送 {n} 条', { n: res.sent }));
    renderHeader();
    await updateBadge();
    if (res.password && S.user) { S.user.must_change_password = true; await C.setMeta('user', S.user); go('#/password'); }
    // a 401 from before the user signed in again is old news: go again instead
    if (res.auth) { if (epoch === S.epoch) await needLogin(); else S.again = true; }
    if (S.again && !S.authRequired) { S.again = false; setTimeout(function () { runSync(true); }, 0); }
    if (S.view === 'home' || S.view === 'outbox') route();
    else if (S.view === 'record' && S.record) {
      var now = await C.get('records', S.record.uuid);
      if (now && now.status !== S.record.status) route();
    }
    renderSyncState();
  }

  function renderSyncState() {
    document.documentElement.dataset.sync = S.syncing ? 'busy' : 'idle';  // tests wait for a pass to end
    var el = document.getElementById('sync-state');
    if (!el) return;
    el.textContent = S.syncing ? t('正在同步…') : '';
    var btn = document.getElementById('sync-now');
    if (btn) btn.disabled = S.syncing;
  }

  async function queueBackgroundSync() {
    try {
      var reg = navigator.serviceWorker && await navigator.serviceWorker.ready;
      if (reg && reg.sync) await reg.sync.register('outbox');
    } catch (e) { /* Background Sync is optional: the page syncs when it can */ }
  }

  // --- form building blocks -----------------------------------------------------------------
  function field(label, control, opts) {
    opts = opts || {};
    if (!control.id) control.id = nid();
    return h('div', { class: 'field' + (opts.cls ? ' ' + opts.cls : ''), 'data-path': opts.path },
      h('label', { for: control.id, text: label }), opts.before, control, opts.hint ? h('p', { class: 'hint', text: opts.hint }) : null);
  }

  // a group of big radio or checkbox chips inside a fieldset
  function chips(legend, name, options, selected, onchange, opts) {
    opts = opts || {};
    var multi = !!opts.multi;
    var fs = h('fieldset', { class: 'field chips', 'data-path': opts.path }, h('legend', { text: legend }));
    var wrap = h('div', { class: 'chip-row' });
    withChosen(options, multi ? selected : [selected]).forEach(function (o) {
      var checked = multi ? (selected || []).indexOf(o[0]) >= 0 : selected === o[0];
      var input = h('input', { type: multi ? 'checkbox' : 'radio', name: name, value: o[0], checked: checked,
        onchange: function () {
          if (multi) {
            onchange(Array.prototype.filter.call(wrap.querySelectorAll('input'), function (i) { return i.checked; })
              .map(function (i) { return i.value; }));
          } else onchange(o[0]);
        } });
      wrap.appendChild(h('label', { class: 'chip' }, input, h('span', { text: o[1] })));
    });
    fs.appendChild(wrap);
    return fs;
  }

  function stepper(label, value, min, onchange, path) {
    var id = nid('n');
    var input = h('input', { id: id, type: 'number', inputmode: 'numeric', min: String(min), step: '1', value: String(value),
      oninput: function () { onchange(input.value === '' ? '' : Number(input.value)); } });
    function bump(d) {
      var v = Math.max(min, (Number(input.value) || 0) + d);
      input.value = String(v); onchange(v);
    }
    return h('div', { class: 'field', 'data-path': path }, h('label', { for: id, text: label }),
      h('div', { class: 'stepper' },
        h('button', { type: 'button', class: 'btn btn-square', 'aria-label': t('减少') + ' ' + label, text: '−', onclick: function () { bump(-1); } }),
        input,
        h('button', { type: 'button', class: 'btn btn-square', 'aria-label': t('增加') + ' ' + label, text: '+', onclick: function () { bump(1); } })));
  }

  // a value chosen earlier that is no longer offered (a retired category, a refused record reopened)
  // stays shown as chosen, marked, so the person sees what they had and changes it
  function withChosen(options, chosen) {
    var known = options.map(function (o) { return String(o[0]); });
    var gone = (chosen || []).filter(function (v) { return v !== null && v !== undefined && v !== '' && known.indexOf(String(v)) < 0; });
    var names = (S.ref && S.ref._names) || {};
    return options.concat(gone.map(function (v) { return [v, (names[String(v)] || v) + t('（已停用）')]; }));
  }

  function select(options, value, onchange, placeholder) {
    var s = h('select', { onchange: function () { onchange(s.value); } });
    if (placeholder !== undefined) s.appendChild(h('option', { value: '', text: placeholder }));
    withChosen(options, [value]).forEach(function (o) {
      s.appendChild(h('option', { value: String(o[0]), text: o[1], selected: String(o[0]) === String(value) }));
    });
    return s;
  }

  // stations: a plain select; with many of them, a search box narrows it
  function stationPicker(value, onchange, opts) {
    var stations = refList('stations');
    var opt = function (st) { return [st.id, st.township && st.township !== st.name ? st.name + ' · ' + st.township : st.name]; };
    var sel = select(stations.map(opt), value, function (v) { onchange(v ? Number(v) : null); },
                     opts.required ? t('请选择') : t('（不选）'));
    var before = null;
    if (stations.length > 12) {
      before = h('input', { type: 'search', class: 'search', placeholder: t('搜索站点'), 'aria-label': t('搜索站点'),
        oninput: function () {
          var q = before.value.trim();
          Array.prototype.forEach.call(sel.options, function (o, i) {
            if (i === 0) return;
            o.hidden = !!q && o.textContent.indexOf(q) < 0 && o.value !== sel.value;
          });
        } });
    }
    return field(t('站点'), sel, { path: 'station_id', before: before });
  }

  // the one-off check-in point (never watchPosition)
  function checkIn(target, save) {
    var out = h('p', { class: 'hint', 'aria-live': 'polite' });
    function show() {
      out.textContent = target.location ? t('已打卡：精度约 {m} 米', { m: Math.round(target.location.accuracy_m) }) +
        ' (' + target.location.lat.toFixed(5) + ', ' + target.location.lon.toFixed(5) + ')' : t('只记录这一次的位置，不会持续定位。');
      clear.hidden = !target.location;
    }
    var btn = h('button', { type: 'button', class: 'btn', text: t('在此打卡'), onclick: function () {
      if (!navigator.geolocation) { out.textContent = t('无法定位：{e}', { e: '—' }); return; }
      out.textContent = t('正在定位…');
      navigator.geolocation.getCurrentPosition(function (p) {
        target.location = { lon: Math.round(p.coords.longitude * 1e6) / 1e6, lat: Math.round(p.coords.latitude * 1e6) / 1e6,
                            accuracy_m: Math.round(p.coords.accuracy) };
        save(); show();
      }, function (e) { out.textContent = t('无法定位：{e}', { e: e.message || e.code }); },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    } });
    var clear = h('button', { type: 'button', class: 'btn btn-link', text: t('清除定位'), onclick: function () {
      target.location = null; save(); show();
    } });
    show();
    return h('div', { class: 'field', 'data-path': 'location' }, h('p', { class: 'label', text: t('定位打卡') }),
      h('div', { class: 'row' }, btn, clear), out);
  }

  // --- photos -------------------------------------------------------------------------------
  var urls = [];
  function revokeUrls() { urls.forEach(function (u) { URL.revokeObjectURL(u); }); urls = []; }

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image(), u = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(u); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(u); reject(new Error('image')); };
      img.src = u;
    });
  }

  // downscale to at most 1600 px on the long side, as JPEG, before anything is stored
  async function downscale(file) {
    var MAX = 1600, src = null;
    if (self.createImageBitmap) {
      try { src = await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch (e) { src = null; }
    }
    if (!src) src = await loadImage(file);
    var w = src.naturalWidth || src.width, hgt = src.naturalHeight || src.height, k = Math.min(1, MAX / Math.max(w, hgt));
    var canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(w * k)); canvas.height = Math.max(1, Math.round(hgt * k));
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
    if (src.close) src.close();
    var blob = await new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', 0.82); });
    if (!blob) throw new Error('toBlob');
    return { blob: blob, width: canvas.width, height: canvas.height };
  }

  // the photos of one owner (a finding, a log, a checklist item): thumbnails and a camera button
  function photoBox(rec, owner, editable, label) {
    var box = h('div', { class: 'photos', 'data-path': owner.path });
    var list = h('div', { class: 'thumbs' });
    async function draw() {
      list.textContent = '';
      var photos = (await C.byIndex('photos', 'record_uuid', rec.uuid)).filter(function (p) {
        return p.owner_uuid === owner.uuid && (owner.item ? p.item_code === owner.item : true);
      });
      photos.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
      photos.forEach(function (p, i) {
        var u = URL.createObjectURL(p.blob); urls.push(u);
        list.appendChild(h('div', { class: 'thumb' + (p.status === 'rejected' ? ' thumb-bad' : '') },
          h('img', { src: u, alt: t('照片') + ' ' + (i + 1), width: 72, height: 72 }),
          editable ? h('button', { type: 'button', class: 'thumb-del', 'aria-label': t('删除照片') + ' ' + (i + 1), text: '×',
            onclick: async function () { await C.del('photos', p.uuid); touch(rec); draw(); } }) : null));
      });
      if (owner.onchange) owner.onchange(photos.length);
    }
    if (editable) {
      var input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
        multiple: !!owner.multiple, onchange: async function () {
          var files = Array.prototype.slice.call(input.files || []);
          input.value = '';
          for (var i = 0; i < files.length; i++) {
            try {
              var img = await downscale(files[i]);
              await C.put('photos', { uuid: C.uuid(), record_uuid: rec.uuid, owner_kind: owner.kind, owner_uuid: owner.uuid,
                item_code: owner.item || null, blob: img.blob, width: img.width, height: img.height, bytes: img.blob.size,
                taken_at: isoNow(), location: rec.body.location || null, status: 'waiting', created_at: new Date().toISOString() });
            } catch (e) { toast(t('照片处理失败')); }
          }
          touch(rec); draw();
        } });
      var id = nid('photo');
      input.id = id;
      box.appendChild(h('label', { class: 'btn btn-photo', for: id }, h('span', { class: 'cam', 'aria-hidden': 'true' }),
        h('span', { text: label || t('拍照') })));
      box.appendChild(input);
    }
    box.appendChild(list);
    draw();
    return box;
  }

  // --- records ------------------------------------------------------------------------------
  var saveTimer = null;
  function touch(rec) {
    rec.touched = true;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { save(rec); }, 250);
  }
  async function save(rec) {
    clearTimeout(saveTimer); saveTimer = null;
    rec.updated_at = new Date().toISOString();
    await C.put('records', rec);
    var s = document.getElementById('saved');
    if (s) s.textContent = t('已自动保存 {t}', { t: hhmm(rec.updated_at).slice(6) });
  }
  function flush() { return saveTimer && S.record ? save(S.record) : Promise.resolve(); }

  function newRecord(kind) {
    var uuid = C.uuid(), day = today(), body;
    if (kind === 'walkthrough') {
      body = { uuid: uuid, service_item_code: '', channel: '', mode: '', place: '', walked_on: day, station_id: null,
               steps: [], trips: 1, materials_asked: [], note: '', location: null, findings: [] };
    } else if (kind === 'work_log') {
      body = { uuid: uuid, log_date: day, work_types: [], done: '', solved: '', people_served: 0,
               station_id: null, location: null };
    } else {
      var tpl = currentTemplate(kind);
      body = { uuid: uuid, kind: kind, mode: AUDIT_MODES[kind][0][0], station_id: null, template_id: tpl ? tpl.id : null,
               inspected_on: day, auditor_ids: [], answers: {}, summary: '', _template: tpl || null };
    }
    return { uuid: uuid, kind: kind === 'walkthrough' || kind === 'work_log' ? kind : 'inspection', user: S.user.username,
             status: 'draft', created_at: new Date().toISOString(), updated_at: null, body: body, touched: false };
  }

  function currentTemplate(kind) {
    var list = refList('templates').filter(function (x) { return x.kind === TEMPLATE_KIND[kind]; });
    list.sort(function (a, b) { return b.version - a.version; });
    return list[0] || null;
  }

  function recordKind(rec) { return rec.kind === 'inspection' ? rec.body.kind : rec.kind; }

  function serviceName(code) {
    var s = refList('service_items').filter(function (x) { return x.code === code; })[0];
    if (!s) return code || t('（未选服务事项）');
    return lang === 'en' && s.name_en ? s.name_en : s.name;
  }
  function stationName(id) {
    var s = refList('stations').filter(function (x) { return x.id === id; })[0];
    return s ? s.name : '';
  }
  function recordTitle(rec) {
    var b = rec.body;
    if (rec.kind === 'walkthrough') return serviceName(b.service_item_code);
    if (rec.kind === 'work_log') return b.log_date;
    return b.station_id ? stationName(b.station_id) : t('（未选站点）');
  }

  // --- views: home --------------------------------------------------------------------------
  async function viewHome() {
    var recs = await updateBadge();
    var mine = recs.filter(function (r) { return !r.user || r.user === S.user.username; });
    var count = function (s) { return mine.filter(function (r) { return r.status === s; }).length; };
    var waiting = count('waiting'), rejected = count('rejected'), drafts = count('draft');
    var actions = h('div', { class: 'actions' });
    [['walkthrough', '以群众身份体验办事流程'], ['work_log', '记录今天的挂职工作'],
     ['window_audit', '明察暗访，逐项打分'], ['station_check', '人社所“六个规范”检查']].forEach(function (a) {
      if (!may(a[0])) return;
      actions.appendChild(h('a', { class: 'action action-' + a[0], href: '#/new/' + a[0], id: 'new-' + a[0] },
        h('span', { class: 'action-title', text: t(KIND_LABEL[a[0]]) }), h('span', { class: 'action-sub', text: t(a[1]) })));
    });
    if (!S.ref) actions.appendChild(h('p', { class: 'note', text: t('请先联网登录一次，下载基础数据') }));
    var state = waiting ? t('{n} 条待发送', { n: waiting }) : t('全部已发送');
    var last = S.lastSync && S.lastSync.at ? t('上次同步 {t}', { t: hhmm(S.lastSync.at) }) : '';
    var syncCard = h('section', { class: 'card', 'aria-labelledby': 'sync-h' },
      h('h2', { id: 'sync-h', class: 'h2', text: state }),
      rejected ? h('p', { class: 'warn' }, h('a', { href: '#/outbox?status=rejected', text: t('{n} 条被退回，请修改后重新发送', { n: rejected }) })) : null,
      waiting && !navigator.onLine ? h('p', { class: 'muted', text: t('离线：记录已保存在本机，联网后自动发送') }) : null,
      waiting && S.serverDown ? h('p', { class: 'muted', text: t('服务器暂时连不上，稍后自动重试') }) : null,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'sync-now', text: t('立即同步'), disabled: S.syncing,
                      onclick: function () { refreshReference().then(function () { runSync(true); }); } }),
        h('a', { class: 'btn', href: '#/outbox', text: t('记录') + (drafts ? ' · ' + t('草稿') + ' ' + drafts : '') })),
      h('p', { class: 'small muted', 'aria-live': 'polite' }, h('span', { id: 'sync-state' }), ' ', last));
    // what waits for the person, as the server said at the last sync (kept for offline); the day's
    // log drops off as soon as one for today is on this phone, sent or not
    var loggedToday = mine.some(function (r) { return r.kind === 'work_log' && r.body && r.body.log_date === today(); });
    var answered = {};
    mine.forEach(function (r) { if (r.answered_return) answered[r.uuid] = r.answered_return; });
    var todo = refList('todo').filter(function (i) {
      if (i.kind === 'log_today' && loggedToday) return false;
      return !(RETURNED_TEXT[i.kind] && Object.keys(answered).some(function (u) {
        return i.link.slice(-u.length) === u && answered[u] === i.reason + '|' + i.record;
      }));
    });
    var todoCard = S.ref ? h('section', { class: 'card', id: 'todo', 'aria-labelledby': 'todo-h' },
      h('h2', { id: 'todo-h', class: 'h2', text: t('我的待办') + (todo.length ? ' · ' + todo.length : '') }),
      todo.length ? h('ul', { class: 'todo' }, todo.map(todoItem)) : h('p', { class: 'muted', text: t('没有等您处理的事项') }),
      h('p', { class: 'small muted', text: t('截至上次同步') })) : null;
    var comments = null;
    if (may('work_log')) {
      var cs = refList('comments').slice().sort(function (a, b) { return a.created_at < b.created_at ? 1 : -1; }).slice(0, 5);
      comments = h('section', { class: 'card', 'aria-labelledby': 'cm-h' }, h('h2', { id: 'cm-h', class: 'h2', text: t('领导批示') }),
        cs.length ? h('ul', { class: 'comments' }, cs.map(function (c) { return commentItem(c, recs); })) : h('p', { class: 'muted', text: t('暂无批示') }));
    }
    var who = h('section', { class: 'who' },
      h('span', { text: S.user.display_name + ' · ' + t(ROLES[S.user.role] || S.user.role) }),
      h('a', { class: 'btn btn-link', href: '/', id: 'to-dashboard', text: t('电脑版') }),
      h('button', { type: 'button', class: 'btn btn-link', text: t('退出登录'), onclick: signOut }));
    return h('div', {}, actions, todoCard, syncCard, comments, who);
  }

  function todoItem(i) {
    // the field app's own places open here (#/…); a desktop page opens as a page of its own
    var href = i.link.indexOf('/field/') === 0 ? i.link.slice('/field/'.length) : i.link;
    return h('li', {}, h('a', { href: href, text: i.title + '：' + i.record }),
      i.due ? h('span', { class: i.late ? 'warn small' : 'muted small', text: ' ' + t('期限 {d}', { d: i.due }) }) : null,
      i.reason ? h('div', { class: 'small muted todo-reason', text: i.reason }) : null);
  }

  function commentItem(c, recs) {
    var log = (recs || []).filter(function (r) { return r.uuid === c.work_log_uuid; })[0];
    return h('li', {}, h('p', { class: 'comment-text', text: c.text }),
      h('p', { class: 'small muted', text: (log ? t('工作日志') + ' ' + log.body.log_date + ' · ' : '') + (c.author || '') + ' · ' + hhmm(c.created_at) }));
  }

  // --- views: outbox ------------------------------------------------------------------------
  async function viewOutbox(params) {
    var recs = await updateBadge();
    var filter = params.status || 'all';
    recs.sort(function (a, b) { return a.created_at < b.created_at ? 1 : -1; });
    var shown = recs.filter(function (r) { return filter === 'all' || r.status === filter; });
    var photos = await C.all('photos');
    var tabs = h('nav', { class: 'filter', 'aria-label': t('记录') },
      ['all', 'draft', 'waiting', 'rejected', 'sent'].map(function (s) {
        var n = s === 'all' ? recs.length : recs.filter(function (r) { return r.status === s; }).length;
        return h('a', { href: '#/outbox' + (s === 'all' ? '' : '?status=' + s), class: 'pill' + (s === filter ? ' pill-on' : ''),
          'aria-current': s === filter ? 'page' : null, text: t(s === 'all' ? '全部' : STATUS_LABEL[s]) + ' ' + n });
      }));
    var list = h('ul', { class: 'outbox', id: 'outbox-list' });
    shown.forEach(function (r) {
      var ps = photos.filter(function (p) { return p.record_uuid === r.uuid; });
      var sentPs = ps.filter(function (p) { return p.status === 'sent'; }).length;
      var sub = [hhmm(r.created_at)];
      if (r.kind === 'walkthrough') sub.push(r.body.findings.length + ' ' + t('条发现'));
      if (ps.length) sub.push(r.status === 'waiting' && r.body_sent ? t('照片 {a}/{n} 已发送', { a: sentPs, n: ps.length }) : ps.length + ' ' + t('张照片'));
      var other = r.user && r.user !== S.user.username;
      list.appendChild(h('li', {}, h('a', { class: 'outbox-row', href: '#/r/' + r.uuid, 'data-uuid': r.uuid, 'data-status': r.status },
        h('span', { class: 'kind kind-' + recordKind(r), text: t(KIND_LABEL[recordKind(r)]) }),
        h('span', { class: 'title', text: recordTitle(r) }),
        h('span', { class: 'status status-' + r.status, text: t(STATUS_LABEL[r.status]) }),
        h('span', { class: 'sub', text: sub.join(' · ') }),
        r.status === 'rejected' && r.error ? h('span', { class: 'reason', text: r.error.message || r.error.code }) : null,
        other ? h('span', { class: 'reason', text: t('属于 {u}，需其本人登录后发送', { u: r.user }) } ) : null)));
    });
    var sent = recs.filter(function (r) { return r.status === 'sent'; });
    return h('div', {}, h('h1', { class: 'h1', text: t('记录') }), tabs,
      shown.length ? list : h('p', { class: 'muted empty', text: t('本机没有记录') }),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'sync-now', text: t('立即同步'), disabled: S.syncing,
                      onclick: function () { runSync(true); } }),
        sent.length ? h('button', { type: 'button', class: 'btn', text: t('清除已发送'), onclick: async function () {
          if (!confirm(t('已发送的记录将从本机删除（服务器上保留）。确定？'))) return;
          for (var i = 0; i < sent.length; i++) {
            var ps = await C.byIndex('photos', 'record_uuid', sent[i].uuid);
            for (var j = 0; j < ps.length; j++) await C.del('photos', ps[j].uuid);
            await C.del('records', sent[i].uuid);
          }
          route();
        } }) : null),
      h('p', { class: 'small muted', 'aria-live': 'polite', id: 'sync-state' }));
  }

  // --- views: one record --------------------------------------------------------------------
  async function viewRecord(uuid) {
    var rec = await C.get('records', uuid);
    if (!rec) return h('p', { class: 'muted', text: t('记录不存在') });
    S.record = rec;
    var editable = (rec.status === 'draft' || rec.status === 'rejected') && !rec.body_sent;
    var errors = rec.status === 'rejected' && rec.error ? rec.error.fields || {} : {};
    var form;
    if (rec.kind === 'walkthrough') form = formWalkthrough(rec, editable);
    else if (rec.kind === 'work_log') form = formWorkLog(rec, editable);
    else form = formInspection(rec, editable);
    var fs = h('fieldset', { class: 'form-body', disabled: !editable }, form.body);
    var top = h('div', { class: 'record-top' },
      h('a', { class: 'back', href: rec.status === 'draft' && !rec.touched ? '#/' : '#/outbox', text: '‹ ' + t('返回') }),
      h('span', { class: 'top-right' },
        editable ? h('span', { class: 'small muted', id: 'saved', 'aria-live': 'polite',
          text: rec.updated_at ? t('已自动保存 {t}', { t: hhmm(rec.updated_at).slice(6) }) : t('保存在本机') }) : null,
        h('span', { class: 'status status-' + rec.status, id: 'record-status', text: t(STATUS_LABEL[rec.status]) })));
    var status = statusPanel(rec);
    var foot = h('div', { class: 'form-foot' }, form.preview || null, actionsFor(rec, editable, form.validate));
    var page = h('form', { class: 'record record-' + recordKind(rec), novalidate: true, id: 'record-form',
      onsubmit: function (e) { e.preventDefault(); } },
      top, h('h1', { class: 'h1', text: t(KIND_LABEL[recordKind(rec)]) }), status, fs, foot);
    setTimeout(function () { showErrors(page, errors); }, 0);
    return page;
  }

  // a record a reviewer returned (审核: 退回), as the server's to-do list said at the last sync (its
  // link ends with the record's number); none once this phone has sent the edited version
  // answering that very return
  var RETURNED_TEXT = { log_returned: '领导退回了这条日志：', walk_returned: '领导退回了这条走流程记录：',
                        audit_returned: '审核人退回了这份检查记录：' };
  function returnOf(rec) {
    var item = refList('todo').filter(function (i) {
      return RETURNED_TEXT[i.kind] && i.link.slice(-rec.uuid.length) === rec.uuid;
    })[0];
    return item && !(rec.answered_return === item.reason + '|' + item.record) ? item : null;
  }

  function statusPanel(rec) {
    var returned = rec.status === 'sent' ? returnOf(rec) : null;
    if (returned) {
      return h('div', { class: 'banner banner-bad', role: 'alert', id: 'returned-reason' },
        h('p', { text: t(RETURNED_TEXT[returned.kind]) + ' ' + (returned.reason || '') }),
        h('p', { class: 'small', text: t('请修改后重新发送，仍是这一条记录。') }));
    }
    if (rec.status === 'rejected' && rec.error) {
      // messages that find no field in the form are listed here (showErrors fills the list)
      return h('div', { class: 'banner banner-bad', role: 'alert', id: 'reject-reason' },
        h('p', { text: (rec.body_sent ? t('记录已送达，但照片被退回：') : t('服务器退回了这条记录：')) + ' ' + (rec.error.message || rec.error.code) }),
        h('ul', { id: 'reject-unplaced', hidden: true }),
        rec.body_sent ? null : h('p', { class: 'small', text: t('请修改标出的内容后重新发送。') }));
    }
    if (rec.status === 'waiting') return h('div', { class: 'banner', role: 'status', text: t('这条记录已经在等待发送。') +
      (rec.last_error && rec.last_error.code === 'network' ? ' ' + t('服务器暂时连不上，稍后自动重试') : '') });
    if (rec.status === 'sent') return h('div', { class: 'banner banner-ok', role: 'status', text: t('已于 {t} 送达服务器。', { t: hhmm(rec.sent_at) }) });
    return null;
  }

  function actionsFor(rec, editable, validate) {
    var row = h('div', { class: 'row foot-row' });
    if (editable) {
      row.appendChild(h('button', { type: 'button', class: 'btn btn-primary btn-grow', id: 'submit',
        text: rec.status === 'rejected' ? t('重新发送') : t('提交发送'), onclick: function () { submit(rec, validate); } }));
      if (rec.status === 'draft') row.appendChild(h('button', { type: 'button', class: 'btn', text: t('删除草稿'), onclick: async function () {
        if (!confirm(t('删除这份草稿？'))) return;
        var ps = await C.byIndex('photos', 'record_uuid', rec.uuid);
        for (var i = 0; i < ps.length; i++) await C.del('photos', ps[i].uuid);
        await C.del('records', rec.uuid);
        S.record = null; toast(t('已删除')); go('#/');
      } }));
      if (rec.status === 'rejected' && rec.error && rec.error.code === 'conflict') {
        // the server holds an earlier version of this record (an answer lost, then edited):
        // keep that one (its photos still go), or send this version as a record of its own
        row.appendChild(h('button', { type: 'button', class: 'btn', id: 'keep-server', text: t('保留服务器上的版本'), onclick: async function () {
          await C.update('records', rec.uuid, function (r) { r.status = 'waiting'; r.body_sent = true; r.error = null; return r; });
          afterQueue();
        } }));
        row.appendChild(h('button', { type: 'button', class: 'btn', id: 'reissue', text: t('以新编号重新发送'), onclick: function () { reissue(rec, validate); } }));
      }
    } else if (rec.status === 'waiting' && !rec.body_sent) {
      row.appendChild(h('button', { type: 'button', class: 'btn', id: 'withdraw', text: t('撤回修改'), onclick: async function () {
        var done = await C.withLock(async function (got) {
          if (!got) return false;
          await C.update('records', rec.uuid, function (r) { if (r && r.status === 'waiting') { r.status = 'draft'; return r; } });
          return true;
        }, true);
        if (!done) toast(t('正在发送，请稍后再试')); else route();
      } }));
    } else if (rec.status === 'sent' && (!rec.user || rec.user === S.user.username)) {
      // the same record, open again: sent under its own number, the server keeps the earlier
      // version (until a reviewer accepts it: then the server refuses, and says so)
      var item = returnOf(rec);
      row.appendChild(h('button', { type: 'button', class: item ? 'btn btn-primary btn-grow' : 'btn', id: item ? 'edit-returned' : 'edit-sent',
        text: t('修改'), onclick: async function () {
          await C.update('records', rec.uuid, function (r) {
            r.status = 'draft'; r.body_sent = false; r.error = null; r.touched = true;
            if (item) r.answered_return = item.reason + '|' + item.record;
            return r;
          });
          route();
        } }));
    } else if (rec.status === 'rejected' && rec.body_sent) {
      row.appendChild(h('button', { type: 'button', class: 'btn btn-primary btn-grow', id: 'submit', text: t('重新发送'), onclick: async function () {
        var ps = await C.byIndex('photos', 'record_uuid', rec.uuid);
        for (var i = 0; i < ps.length; i++) if (ps[i].status === 'rejected') { ps[i].status = 'waiting'; ps[i].error = null; await C.put('photos', ps[i]); }
        await C.update('records', rec.uuid, function (r) { r.status = 'waiting'; r.error = null; r.attempts = 0; r.next_try_at = null; return r; });
        afterQueue();
      } }));
    }
    return row;
  }

  async function submit(rec, validate) {
    var photos = await C.byIndex('photos', 'record_uuid', rec.uuid);
    var errs = validate(photos);
    var form = document.getElementById('record-form');
    if (Object.keys(errs).length) { showErrors(form, errs, true); return; }
    rec.payload = buildPayload(rec, photos);
    rec.status = 'waiting'; rec.error = null; rec.attempts = 0; rec.next_try_at = null;
    rec.queued_at = new Date().toISOString(); rec.touched = true;
    await save(rec);
    afterQueue();
  }

  function afterQueue() {
    toast(t('已保存，联网后自动发送'));
    queueBackgroundSync();
    go('#/outbox');
    runSync(true);
  }

  // a record the server holds in another version (409): send it under fresh numbers
  async function reissue(rec, validate) {
    var old = rec.uuid, map = {};
    rec.uuid = C.uuid(); rec.body.uuid = rec.uuid; map[old] = rec.uuid;
    (rec.body.findings || []).forEach(function (f) { var n = C.uuid(); map[f.uuid] = n; f.uuid = n; });
    var photos = await C.byIndex('photos', 'record_uuid', old);
    for (var i = 0; i < photos.length; i++) {
      photos[i].record_uuid = rec.uuid; photos[i].owner_uuid = map[photos[i].owner_uuid] || photos[i].owner_uuid;
      await C.put('photos', photos[i]);
    }
    await C.put('records', rec);
    await C.del('records', old);
    S.record = rec;
    await submit(rec, validate);
  }

  function buildPayload(rec, photos) {
    var b = rec.body;
    if (rec.kind === 'walkthrough') {
      return C.clean({ uuid: b.uuid, service_item_code: b.service_item_code, channel: b.channel, mode: b.mode, place: b.place,
        walked_on: b.walked_on, station_id: b.station_id,
        steps: b.steps.map(function (s) { return { name: s.name, seconds: s.seconds, started_at: s.started_at }; }),
        trips: b.trips, materials_asked: b.materials_asked, note: b.note, location: b.location,
        findings: b.findings.map(function (f) {
          var out = { uuid: f.uuid, list_kind: f.list_kind, category: f.category, text: f.text };
          if (f.list_kind === 'fix') { out.measure = f.measure; out.owner = f.owner; out.due_on = f.due_on; }
          return out;
        }) });
    }
    if (rec.kind === 'work_log') {
      return C.clean({ uuid: b.uuid, log_date: b.log_date, work_types: b.work_types, done: b.done, solved: b.solved,
        people_served: b.people_served, station_id: b.station_id, location: b.location });
    }
    var answers = {};
    (b._template ? b._template.items : []).forEach(function (item) {
      if (!appliesIn(item, b.mode)) { answers[item.code] = { value: 'na' }; return; }
      var a = b.answers[item.code] || {}, out = { value: a.value };
      if (a.note && a.note.trim()) out.note = a.note.trim();
      var ps = photos.filter(function (p) { return p.item_code === item.code; }).map(function (p) { return p.uuid; });
      if (ps.length) out.photos = ps;
      answers[item.code] = out;
    });
    var body = C.clean({ uuid: b.uuid, kind: b.kind, mode: b.mode, station_id: b.station_id, template_id: b.template_id,
      inspected_on: b.inspected_on, auditor_ids: b.auditor_ids, summary: b.summary });
    body.answers = answers;
    return body;
  }

  // error messages next to their fields: paths like "findings[2].text" or "answers.W05.photos"
  function showErrors(form, fields, local) {
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (e) { e.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('.has-error'), function (e) { e.classList.remove('has-error'); });
    var first = null, unplaced = [];
    Object.keys(fields).forEach(function (path) {
      var target = null, best = -1;
      Array.prototype.forEach.call(form.querySelectorAll('[data-path]'), function (el) {
        var p = el.getAttribute('data-path');
        if ((path === p || path.indexOf(p + '.') === 0 || path.indexOf(p + '[') === 0) && p.length > best) { target = el; best = p.length; }
      });
      if (!target) { unplaced.push(path + ': ' + fields[path]); return; }
      target.classList.add('has-error');
      target.appendChild(h('p', { class: 'field-error', text: fields[path] }));
      if (!first) first = target;
    });
    var list = form.querySelector('#reject-unplaced');
    if (list && !local) {
      list.textContent = '';
      unplaced.forEach(function (m) { list.appendChild(h('li', { text: m })); });
      list.hidden = !unplaced.length;
    }
    if (local) {
      var n = Object.keys(fields).length;
      toast(t('还有 {n} 处需要填写', { n: n }) + (unplaced.length ? ' — ' + unplaced.join('; ') : ''));
    }
    if (first && local) {
      first.scrollIntoView({ block: 'center' });
      var focusable = first.querySelector('input, select, textarea, button');
      if (focusable) focusable.focus({ preventScroll: true });
    }
  }

  // --- the walkthrough form -----------------------------------------------------------------
  function formWalkthrough(rec, editable) {
    var b = rec.body, sv = function () { touch(rec); };
    var items = refList('service_items');
    var svc = select(items.map(function (s) { return [s.code, lang === 'en' && s.name_en ? s.name_en : s.name]; }),
      b.service_item_code, function (v) { b.service_item_code = v; sv(); drawMaterials(); }, t('请选择'));
    svc.id = 'walk-service';
    var place = h('input', { id: 'walk-place', value: b.place || '', placeholder: t('例如：某某镇人社所大厅'), maxlength: 120,
                             oninput: function () { b.place = place.value; sv(); } });
    var day = h('input', { id: 'walk-date', type: 'date', value: b.walked_on, max: today(),
                           oninput: function () { b.walked_on = day.value; sv(); } });

    // timed steps
    var stepList = h('ol', { class: 'steps', id: 'walk-steps' });
    function elapsed(s) { return s.seconds + (s._run ? (Date.now() - s._run) / 1000 : 0); }
    function stopStep(s) { if (s._run) { s.seconds = Math.round(elapsed(s)); s._run = null; } }
    function drawSteps() {
      stepList.textContent = '';
      if (!b.steps.length) stepList.appendChild(h('li', { class: 'muted', text: t('还没有环节，点下面的按钮添加') }));
      b.steps.forEach(function (s, i) {
        var time = h('span', { class: 'clock', 'data-step': i, text: mmss(elapsed(s)) });
        var nameInput = h('input', { value: s.name, 'aria-label': t('环节名称') + ' ' + (i + 1), maxlength: 40,
          oninput: function () { s.name = nameInput.value; sv(); } });
        stepList.appendChild(h('li', { class: 'step' + (s._run ? ' running' : ''), 'data-path': 'steps[' + i + ']' },
          nameInput, time,
          h('button', { type: 'button', class: 'btn ' + (s._run ? 'btn-stop' : 'btn-go'), 'aria-pressed': s._run ? 'true' : 'false',
            text: s._run ? t('停止') : t('开始'), 'aria-label': (s._run ? t('停止') : t('开始')) + ' ' + s.name,
            onclick: function () {
              if (s._run) stopStep(s);
              else {
                b.steps.forEach(stopStep);
                if (!s.started_at) s.started_at = isoNow();
                s._run = Date.now();
              }
              sv(); drawSteps();
            } }),
          h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t('删除') + ' ' + s.name, text: '×',
            onclick: function () { b.steps.splice(i, 1); sv(); drawSteps(); } })));
      });
    }
    var tick = setInterval(function () {
      if (!document.body.contains(stepList)) { clearInterval(tick); return; }
      Array.prototype.forEach.call(stepList.querySelectorAll('.running .clock'), function (el) {
        el.textContent = mmss(elapsed(b.steps[Number(el.getAttribute('data-step'))]));
      });
    }, 1000);
    var addSteps = h('div', { class: 'chip-row' }, STEP_NAMES.concat(['其他环节']).map(function (n) {
      return h('button', { type: 'button', class: 'chip chip-btn', text: '+ ' + t(n), onclick: function () {
        b.steps.push({ name: n === '其他环节' ? '' : t(n), seconds: 0, started_at: null, _run: null }); sv(); drawSteps();
        if (n === '其他环节') stepList.querySelector('li:last-child input').focus();
      } });
    }));
    drawSteps();

    // materials: the published list as a checklist, and extras
    var matBox = h('div', { 'data-path': 'materials_asked' });
    function drawMaterials() {
      matBox.textContent = '';
      var item = items.filter(function (s) { return s.code === b.service_item_code; })[0];
      var published = item ? item.published_materials || [] : [];
      if (published.length) {
        matBox.appendChild(chips(t('公布的材料清单（勾选窗口实际要求的）'), 'mat-pub-' + rec.uuid, published.map(function (m) { return [m, m]; }),
          b.materials_asked.filter(function (m) { return published.indexOf(m) >= 0; }), function (vals) {
            b.materials_asked = vals.concat(b.materials_asked.filter(function (m) { return published.indexOf(m) < 0; }));
            sv();
          }, { multi: true }));
      } else matBox.appendChild(h('p', { class: 'muted', text: t('该事项没有公布材料清单') }));
      var extras = b.materials_asked.filter(function (m) { return published.indexOf(m) < 0; });
      var extraInput = h('input', { id: 'walk-extra', maxlength: 60, enterkeyhint: 'done' });
      function addExtra() {
        var v = extraInput.value.trim();
        if (v && b.materials_asked.indexOf(v) < 0) { b.materials_asked.push(v); sv(); drawMaterials(); document.getElementById('walk-extra').focus(); }
      }
      extraInput.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); addExtra(); } });
      matBox.appendChild(h('div', { class: 'field' }, h('label', { for: 'walk-extra', text: t('清单以外要求的材料') }),
        h('div', { class: 'inline' }, extraInput, h('button', { type: 'button', class: 'btn', text: t('添加'), onclick: addExtra })),
        extras.length ? h('p', { class: 'hint', text: t('超出公布清单 {n} 项', { n: extras.length }) }) : null));
      if (extras.length) matBox.appendChild(h('ul', { class: 'tags' }, extras.map(function (m) {
        return h('li', { class: 'tag' }, h('span', { text: m }), h('button', { type: 'button', class: 'tag-del', 'aria-label': t('删除') + ' ' + m, text: '×',
          onclick: function () { b.materials_asked.splice(b.materials_asked.indexOf(m), 1); sv(); drawMaterials(); } }));
      })));
    }
    drawMaterials();

    // the three lists
    var lists = LISTS.map(function (l) {
      var box = h('div', { class: 'findings', id: 'findings-' + l[0] });
      function draw() {
        box.textContent = '';
        b.findings.forEach(function (f, i) {
          if (f.list_kind !== l[0]) return;
          box.appendChild(findingCard(rec, f, i, editable, function (restorePhotos) {
            // gone at once, back with 撤销 for a few seconds: in its place, with its photos
            var at = b.findings.indexOf(f);
            b.findings.splice(at, 1); sv(); draw();
            toast(t('已删除一条'), { label: t('撤销'), run: async function () {
              await restorePhotos();
              b.findings.splice(Math.min(at, b.findings.length), 0, f); sv(); draw();
            } });
          }));
        });
      }
      draw();
      return h('section', { class: 'card', 'aria-labelledby': 'list-' + l[0] },
        h('h2', { class: 'h2', id: 'list-' + l[0], text: t(l[1]) }), box,
        h('button', { type: 'button', class: 'btn btn-add', id: 'add-' + l[0], text: '+ ' + t(l[2]), onclick: function () {
          var cats = categories(l[0]);
          b.findings.push({ uuid: C.uuid(), list_kind: l[0], category: cats.length === 1 ? cats[0][0] : '', text: '',
                            measure: '', owner: '', due_on: '' });
          sv(); draw();
          var cards = box.querySelectorAll('.finding');
          var last = cards[cards.length - 1];
          last.scrollIntoView({ block: 'nearest' });
          last.querySelector('select, textarea').focus({ preventScroll: true });
        } }));
    });
    var note = h('textarea', { id: 'walk-note', rows: 3, maxlength: 4000, value: b.note || '', oninput: function () { b.note = note.value; sv(); } });

    function validate() {
      var e = {};
      if (!b.service_item_code) e.service_item_code = t('必填');
      if (!b.channel) e.channel = t('必填');
      if (!b.mode) e.mode = t('必填');
      if (!b.walked_on) e.walked_on = t('必填');
      else if (b.walked_on > today()) e.walked_on = t('日期不能晚于今天');
      if (!(b.trips >= 1 && b.trips <= 20) || Math.floor(b.trips) !== b.trips) e.trips = t('1 到 20 次');
      b.steps.forEach(function (s, i) {
        if (s._run) e['steps[' + i + ']'] = t('请先停止计时');
        else if (!s.name.trim()) e['steps[' + i + ']'] = t('必填');
      });
      b.findings.forEach(function (f, i) {
        if (!f.category) e['findings[' + i + '].category'] = t('必填');
        if (!f.text.trim()) e['findings[' + i + '].text'] = t('请填写内容');
        if (f.list_kind === 'fix' && f.due_on && b.walked_on && f.due_on < b.walked_on) e['findings[' + i + '].due_on'] = t('整改期限不能早于走流程日期');
      });
      return e;
    }

    return { validate: validate, body: [
      h('section', { class: 'card' }, h('h2', { class: 'h2', text: t('基本信息') }),
        field(t('服务事项'), svc, { path: 'service_item_code' }),
        chips(t('办理渠道'), 'channel-' + rec.uuid, CHANNELS.map(function (c) { return [c[0], t(c[1])]; }), b.channel,
              function (v) { b.channel = v; sv(); }, { path: 'channel' }),
        chips(t('办理方式'), 'mode-' + rec.uuid, MODES.map(function (c) { return [c[0], t(c[1])]; }), b.mode,
              function (v) { b.mode = v; sv(); }, { path: 'mode' }),
        stationPicker(b.station_id, function (v) { b.station_id = v; sv(); }, {}),
        field(t('地点'), place, { path: 'place' }), field(t('日期'), day, { path: 'walked_on' })),
      h('section', { class: 'card' }, h('h2', { class: 'h2', text: t('办理环节计时') }), stepList, addSteps,
        stepper(t('跑动次数'), b.trips, 1, function (v) { b.trips = v; sv(); }, 'trips')),
      h('section', { class: 'card' }, h('h2', { class: 'h2', text: t('办事材料') }), matBox),
      lists,
      h('section', { class: 'card' }, field(t('备注'), note, { path: 'note' }), checkIn(b, sv))
    ] };
  }

  function categories(list) {
    var fc = (S.ref && S.ref.finding_categories) || {};
    return (fc[list] || []).map(function (c) { return [c.value, c.label]; });
  }

  function findingCard(rec, f, i, editable, remove) {
    var sv = function () { touch(rec); }, p = 'findings[' + i + ']';
    var cat = select(categories(f.list_kind), f.category, function (v) { f.category = v; sv(); }, t('请选择'));
    var text = h('textarea', { rows: 3, maxlength: 2000, value: f.text, oninput: function () { f.text = text.value; sv(); } });
    var extra = null;
    if (f.list_kind === 'fix') {
      var measure = h('textarea', { rows: 2, maxlength: 2000, value: f.measure || '', oninput: function () { f.measure = measure.value; sv(); } });
      var owner = h('input', { maxlength: 40, value: f.owner || '', oninput: function () { f.owner = owner.value; sv(); } });
      var due = h('input', { type: 'date', value: f.due_on || '', oninput: function () { f.due_on = due.value; sv(); } });
      extra = [field(t('整改措施'), measure, { path: p + '.measure' }), field(t('责任单位或人'), owner, { path: p + '.owner' }),
               field(t('完成期限'), due, { path: p + '.due_on' })];
    }
    return h('div', { class: 'finding', 'data-path': p },
      field(t('类别'), cat, { path: p + '.category' }), field(t('内容'), text, { path: p + '.text' }), extra,
      h('div', { class: 'row' }, photoBox(rec, { kind: 'finding', uuid: f.uuid, path: p + '.photos' }, editable),
        editable ? h('button', { type: 'button', class: 'btn btn-link finding-del', text: t('删除'), onclick: async function () {
          if (!confirm(t('删除这一条（连同其照片）？'))) return;
          // the photos leave the store at once (nothing is sent for a removed item), kept here for 撤销
          var ps = (await C.byIndex('photos', 'record_uuid', rec.uuid)).filter(function (x) { return x.owner_uuid === f.uuid; });
          for (var k = 0; k < ps.length; k++) await C.del('photos', ps[k].uuid);
          remove(async function () { for (var j = 0; j < ps.length; j++) await C.put('photos', ps[j]); });
        } }) : null));
  }

  // --- the work log form --------------------------------------------------------------------
  function formWorkLog(rec, editable) {
    var b = rec.body, sv = function () { touch(rec); };
    var day = h('input', { id: 'log-date', type: 'date', value: b.log_date, max: today(), min: today(-30), oninput: function () { b.log_date = day.value; sv(); } });
    var done = h('textarea', { id: 'log-done', rows: 5, maxlength: 4000, value: b.done || '', oninput: function () { b.done = done.value; sv(); } });
    var solved = h('textarea', { id: 'log-solved', rows: 3, maxlength: 4000, value: b.solved || '', oninput: function () { b.solved = solved.value; sv(); } });
    var types = refList('work_types').map(function (w) { return [w.value, w.label]; });
    function validate() {
      var e = {};
      if (!b.log_date) e.log_date = t('必填');
      else if (b.log_date > today()) e.log_date = t('日期不能晚于今天');
      else if (b.log_date < today(-30)) e.log_date = t('只能补记 30 天内的日志');
      if (S.user.role !== 'cadre' && !b.station_id) e.station_id = t('必填');
      if (!b.work_types.length) e.work_types = t('请至少选一项');
      if (!b.done.trim()) e.done = t('请填写内容');
      if (b.people_served === '' || b.people_served < 0 || Math.floor(b.people_served) !== b.people_served) e.people_served = t('请填写整数');
      return e;
    }
    var mine = refList('comments');
    return { validate: validate, body: [
      h('section', { class: 'card' },
        field(t('日期'), day, { path: 'log_date' }),
        // a cadre files for the station of the secondment: the server knows it
        S.user.role === 'cadre' ? null : stationPicker(b.station_id, function (v) { b.station_id = v; sv(); }, { required: true }),
        chips(t('工作类型'), 'types-' + rec.uuid, types, b.work_types, function (v) { b.work_types = v; sv(); }, { multi: true, path: 'work_types' }),
        field(t('今日工作'), done, { path: 'done' }),
        field(t('解决的问题'), solved, { path: 'solved' }),
        stepper(t('服务群众（人次）'), b.people_served, 0, function (v) { b.people_served = v; sv(); }, 'people_served')),
      h('section', { class: 'card' }, h('h2', { class: 'h2', text: t('照片') }),
        photoBox(rec, { kind: 'work_log', uuid: b.uuid, path: 'photos', multiple: true }, editable), checkIn(b, sv)),
      mine.length ? h('section', { class: 'card' }, h('h2', { class: 'h2', text: t('领导批示') }),
        h('ul', { class: 'comments' }, mine.slice(0, 10).map(function (c) { return commentItem(c); }))) : null
    ] };
  }

  // --- window audit / station check ---------------------------------------------------------
  function appliesIn(item, mode) {
    var modes = item.rule && item.rule.modes;
    return !modes || modes.indexOf(mode) >= 0;
  }

  function formInspection(rec, editable) {
    var b = rec.body, sv = function () { touch(rec); updateScore(); };
    var tpl = b._template;
    if (!tpl) return { validate: function () { return { template_id: t('没有可用的检查模板，请联网同步') }; },
                       body: [h('p', { class: 'banner banner-warn', text: t('没有可用的检查模板，请联网同步') })] };
    var cats = tpl.categories || {};
    var itemsBox = h('div', {});
    var photoCounts = {};
    var scoreEl = h('div', { class: 'score', id: 'score', 'aria-live': 'polite' });

    function answered(item) { var a = b.answers[item.code]; return a && a.value !== undefined && a.value !== null && a.value !== ''; }
    function updateScore() {
      var items = tpl.items.filter(function (i) { return appliesIn(i, b.mode); });
      var answers = {};
      tpl.items.forEach(function (i) {
        if (!appliesIn(i, b.mode)) answers[i.code] = { value: 'na' };
        else if (answered(i)) answers[i.code] = { value: b.answers[i.code].value };
      });
      var s = C.previewScore(tpl.items, answers, tpl.thresholds);
      var n = items.filter(answered).length;
      var whole = n === items.length;  // a score over a few answers would read as the verdict: not before
      scoreEl.textContent = '';
      add(scoreEl, [h('span', { class: 'score-label', text: t('得分') }),
        h('strong', { id: 'score-total', text: s.total === null || !whole ? '—' : s.total.toFixed(1) }),
        h('span', { id: 'score-grade', class: 'grade grade-' + (whole && s.grade || 'none'),
                    text: whole && s.grade ? t(GRADES[s.grade]) : '' }),
        s.vetoed ? h('span', { class: 'grade grade-fail', text: t('一票否决') }) : null,
        h('span', { class: 'score-count', text: t('已答 {a}/{n}', { a: n, n: items.length }) })]);
    }

    function itemRow(item) {
      var a = b.answers[item.code] || (b.answers[item.code] = {});
      var on = appliesIn(item, b.mode), name = 'a-' + item.code + '-' + rec.uuid, path = 'answers.' + item.code;
      var text = lang === 'en' && item.text_en ? item.text_en : item.text;
      var control;
      if (!on) control = h('p', { class: 'muted small', text: t('此方式不检查该项') });
      else if (item.answer_type === 'number') {
        var num = h('input', { type: 'number', inputmode: 'decimal', step: 'any', value: a.value === undefined || a.value === null ? '' : a.value,
          'aria-label': item.code + ' ' + t('填写数值'), placeholder: t('填写数值'),
          oninput: function () { a.value = num.value === '' ? null : Number(num.value); sv(); drawNeed(); } });
        var r = item.rule || {}, range = [];
        if (r.min_ok !== undefined) range.push('≥ ' + r.min_ok);
        if (r.max_ok !== undefined) range.push('≤ ' + r.max_ok);
        control = range.length ? [num, h('p', { class: 'hint', text: t('达标范围：{r}', { r: range.join('，') }) })] : num;
      } else {
        var opts = item.answer_type === 'choice' ? (item.rule.options || []).map(function (o) { return [o.value, o.label]; })
                                                   : [['pass', t('合格')], ['fail', t('不合格')]];
        control = h('div', { class: 'seg', role: 'radiogroup', 'aria-labelledby': 'q-' + item.code }, opts.map(function (o) {
          return h('label', { class: 'seg-opt' }, h('input', { type: 'radio', name: name, value: o[0], checked: a.value === o[0],
            onchange: function () { a.value = o[0]; sv(); drawNeed(); } }), h('span', { text: o[1] }));
        }));
      }
      var need = h('p', { class: 'hint need' });
      function drawNeed() {
        var failed = false;
        try { var f = C.itemFraction(item, a.value === undefined ? null : a.value); failed = f !== null && f < 1; } catch (e) { failed = false; }
        need.textContent = failed && item.evidence && item.evidence.photo_on_fail && !photoCounts[item.code] ? t('不合格需拍照留证') : '';
      }
      var noteInput = h('input', { value: a.note || '', maxlength: 1000, 'aria-label': item.code + ' ' + t('备注'), placeholder: t('备注'),
        oninput: function () { a.note = noteInput.value; touch(rec); } });
      var row = h('li', { class: 'item' + (on ? '' : ' item-off'), 'data-path': path, id: 'item-' + item.code },
        h('p', { class: 'q', id: 'q-' + item.code }, h('span', { class: 'code', text: item.code }), ' ', text,
          item.veto ? h('span', { class: 'veto', text: ' ' + t('一票否决') }) : null,
          item.weight ? h('span', { class: 'weight', text: ' · ' + t('{n} 分', { n: item.weight }) }) : null),
        control);
      if (on) {
        row.appendChild(need);
        row.appendChild(h('div', { class: 'row item-extra' }, noteInput,
          photoBox(rec, { kind: 'inspection', uuid: b.uuid, item: item.code, path: path + '.photos',
                          onchange: function (n) { photoCounts[item.code] = n; drawNeed(); } }, editable)));
        drawNeed();
      }
      return row;
    }

    function drawItems() {
      itemsBox.textContent = '';
      var groups = {};
      var order = [];
      tpl.items.forEach(function (i) { if (!groups[i.category]) { groups[i.category] = []; order.push(i.category); } groups[i.category].push(i); });
      order.forEach(function (c) {
        itemsBox.appendChild(h('section', { class: 'card' }, h('h2', { class: 'h2', text: cats[c] || c }),
          h('ul', { class: 'items' }, groups[c].map(itemRow))));
      });
      updateScore();
    }

    var auditors = refList('auditors').filter(function (x) { return !S.user || x.id !== S.user.id; });
    var audBox = chips(t('同行检查人员'), 'aud-' + rec.uuid, auditors.map(function (x) { return [String(x.id), x.name]; }),
      b.auditor_ids.map(String), function (v) { b.auditor_ids = v.map(Number); touch(rec); }, { multi: true, path: 'auditor_ids' });
    if (auditors.length > 8) {
      var q = h('input', { type: 'search', class: 'search', placeholder: t('搜索人员'), 'aria-label': t('搜索人员'), oninput: function () {
        Array.prototype.forEach.call(audBox.querySelectorAll('.chip'), function (c) {
          c.hidden = !!q.value.trim() && c.textContent.indexOf(q.value.trim()) < 0 && !c.querySelector('input').checked;
        });
      } });
      audBox.insertBefore(q, audBox.querySelector('.chip-row'));
    }
    var day = h('input', { type: 'date', value: b.inspected_on, max: today(), oninput: function () { b.inspected_on = day.value; touch(rec); } });
    var summary = h('textarea', { id: 'audit-summary', rows: 3, maxlength: 4000, value: b.summary || '',
                                  oninput: function () { b.summary = summary.value; touch(rec); } });

    function validate(photos) {
      var e = {};
      if (!b.station_id) e.station_id = t('必填');
      if (!b.inspected_on) e.inspected_on = t('必填');
      else if (b.inspected_on > today()) e.inspected_on = t('日期不能晚于今天');
      if (!b.auditor_ids.length) e.auditor_ids = t('至少还需一名同行人员');
      tpl.items.forEach(function (item) {
        if (!appliesIn(item, b.mode)) return;
        if (!answered(item)) { e['answers.' + item.code] = t('必填'); return; }
        var f;
        try { f = C.itemFraction(item, b.answers[item.code].value); } catch (x) { e['answers.' + item.code] = t('填写数值'); return; }
        var has = photos.some(function (p) { return p.item_code === item.code; });
        if (f < 1 && item.evidence && item.evidence.photo_on_fail && !has) e['answers.' + item.code + '.photos'] = t('不合格需拍照留证');
      });
      return e;
    }

    drawItems();
    return { validate: validate, preview: scoreEl, body: [
      h('section', { class: 'card' }, h('h2', { class: 'h2', text: (lang === 'en' && tpl.name_en) || tpl.name }),
        chips(t('检查方式'), 'amode-' + rec.uuid, AUDIT_MODES[b.kind].map(function (m) { return [m[0], t(m[1])]; }), b.mode,
              function (v) { b.mode = v; touch(rec); drawItems(); }, { path: 'mode' }),
        stationPicker(b.station_id, function (v) { b.station_id = v; touch(rec); }, { required: true }),
        field(t('检查日期'), day, { path: 'inspected_on' }), audBox),
      itemsBox,
      h('section', { class: 'card' }, field(t('总结'), summary, { path: 'summary' }))
    ] };
  }

  // --- routing ------------------------------------------------------------------------------
  // one route at a time, each for the address when its turn comes: overlapping routes (a sync's
  // 401 sends to #/login while home is still drawing) would let the older, slower view land on
  // top of the newer one
  var routing = Promise.resolve();
  function route() {
    routing = routing.then(drawRoute, drawRoute);
    return routing;
  }

  async function drawRoute() {
    await flush();
    revokeUrls();
    var hash = location.hash || '#/';
    var parts = hash.slice(1).split('?'), path = parts[0], params = {};
    (parts[1] || '').split('&').forEach(function (kv) { if (kv) { var p = kv.split('='); params[p[0]] = decodeURIComponent(p[1] || ''); } });
    if (S.record && !S.record.touched && S.record.status === 'draft' && path !== '/r/' + S.record.uuid) {
      // a form opened and left untouched leaves nothing behind
      var untouched = S.record; S.record = null;
      var again = await C.get('records', untouched.uuid);
      if (again && !again.touched) await C.del('records', untouched.uuid);
    }
    if (path !== '/login' && !S.user) { go('#/login'); return; }
    if (S.user && S.user.must_change_password && path !== '/login' && path !== '/password') { go('#/password'); return; }
    var el, view;
    if (path === '/login') { view = 'login'; el = viewLogin(); }
    else if (path === '/password') { view = 'password'; el = viewPassword(); }
    else if (path.indexOf('/new/') === 0) {
      var kind = path.slice(5);
      if (!MAY[kind] || !may(kind)) { go('#/'); return; }
      var rec = newRecord(kind);
      await C.put('records', rec);
      location.replace('#/r/' + rec.uuid);
      return;
    } else if (path.indexOf('/r/') === 0) { view = 'record'; el = await viewRecord(path.slice(3)); }
    else if (path === '/outbox') { view = 'outbox'; el = await viewOutbox(params); }
    else { view = 'home'; el = await viewHome(); }
    if (view !== 'record') S.record = null;
    S.view = view;
    document.body.setAttribute('data-view', view);
    $view.textContent = '';
    $view.appendChild(el);
    renderBanner();
    renderSyncState();
    var tabs = document.querySelectorAll('#tabs a');
    tabs[0].setAttribute('aria-current', view === 'home' ? 'page' : 'false');
    tabs[1].setAttribute('aria-current', view === 'outbox' ? 'page' : 'false');
    var shown = view === 'record' && S.record ? S.record.uuid : view;
    if (shown !== S.shown) window.scrollTo(0, 0);  // a status change re-draws a record where it is
    S.shown = shown;
  }

  // --- start --------------------------------------------------------------------------------
  // a full phone: IndexedDB refuses the write (QuotaExceededError). The write is all or nothing,
  // so what was stored before stays as it was; the person is told why this change was not kept
  function storageFull(err) {
    return !!err && (err.name === 'QuotaExceededError' || /quota/i.test(String(err.message || '')));
  }
  window.addEventListener('unhandledrejection', function (event) {
    if (!storageFull(event.reason)) return;
    event.preventDefault();
    toast(t('手机存储已满，这次修改没有保存。请联网同步，并在“记录”里清除已发送的记录、删去不用的照片后再试。'), null, 15000);
  });

  async function start() {
    renderHeader();
    document.getElementById('lang').addEventListener('click', function () {
      flush();
      lang = lang === 'en' ? 'zh' : 'en';
      localStorage.setItem('field-lang', lang);
      renderHeader(); route();
    });
    S.persistent = await C.persistent();
    S.user = (await C.getMeta('user')) || null;
    S.ref = (await C.getMeta('reference')) || null;
    S.authRequired = !!(await C.getMeta('auth_required'));
    S.lastSync = (await C.getMeta('last_sync')) || null;
    S.lastUsername = (await C.getMeta('last_username')) || '';
    S.dayOffset = (await C.getMeta('day_offset')) || 0;
    if (!localStorage.getItem('field-lang') && S.user && S.user.language === 'en') { lang = 'en'; renderHeader(); }
    window.addEventListener('hashchange', route);
    window.addEventListener('online', function () {
      S.failures = 0; renderHeader();
      refreshReference().then(function () { runSync(true); });
    });
    window.addEventListener('offline', function () { renderHeader(); if (S.view === 'home') route(); });
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') flush(); });
    window.addEventListener('pagehide', flush);
    await route();
    if ('serviceWorker' in navigator && window.isSecureContext) {
      navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(function () { /* online-only then */ });
      navigator.serviceWorker.addEventListener('message', function (e) {
        if (e.data && e.data.type === 'sync') runSync(true);
        if (e.data && e.data.type === 'synced') { updateBadge(); if (S.view !== 'record') route(); }
      });
    }
    if (S.user && navigator.onLine) { await refreshReference(); runSync(true); }
    updateBadge();
  }

  self.FieldApp = { t: t, EN: EN, sync: runSync };
  start();
})();
