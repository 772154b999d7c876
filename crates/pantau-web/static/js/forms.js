// Forms that never lose what was typed.
// - Leaving a page with unsaved changes asks first.
// - A form with data-save-first="<form id>" (an evidence upload) saves that form's unsaved
//   changes before it is sent, so the reload after the upload shows them.
// - A form with data-stored='{"<key>": {"<field>": "<value>"}}', data-stored-by="<field>" and
//   data-empty='{"<field>": "<value>"}' fills its fields with the stored values of the key
//   chosen (a unit's category and target per year), or the empty ones for a new key.
(function () {
  'use strict';
  var dirty = new Set();
  var leaving = false;

  function touched(e) {
    var f = e.target.form;
    if (f && f.method === 'post') dirty.add(f);
  }
  document.addEventListener('input', touched);
  document.addEventListener('change', touched);

  window.addEventListener('beforeunload', function (e) {
    if (dirty.size && !leaving) {
      e.preventDefault();
      e.returnValue = '';
    }
  });

  function send(form) {
    leaving = true;
    form.submit();
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    var first = form.dataset.saveFirst && document.getElementById(form.dataset.saveFirst);
    if (!first || !dirty.has(first)) {
      leaving = true;
      return;
    }
    e.preventDefault();
    fetch(first.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(first)),
      credentials: 'same-origin'
    }).then(function (res) {
      if (res.ok) {
        dirty.delete(first);
        send(form);
      } else {
        send(first); // shows why the changes were refused, next to them
      }
    }, function () {
      send(first);
    });
  });

  document.querySelectorAll('form[data-stored]').forEach(function (form) {
    var stored = JSON.parse(form.dataset.stored);
    var empty = JSON.parse(form.dataset.empty);
    var by = form.elements[form.dataset.storedBy];
    function fill() {
      var values = stored[by.value] || empty;
      Object.keys(empty).forEach(function (name) {
        form.elements[name].value = values[name];
      });
    }
    by.addEventListener('change', fill);
    by.addEventListener('input', fill);
  });
})();
