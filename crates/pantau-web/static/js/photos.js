// Photos are shrunk on the phone before they leave it: a chosen photo's longest side is brought
// down to the input's data-shrink pixels (JPEG), so a field upload is a few hundred KB rather
// than the camera's several MB. Without this script the original is sent (the server bounds it).
(function () {
  'use strict';
  var pending = new WeakMap();

  function shrink(file, max) {
    if (!/^image\//.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, max / Math.max(img.width, img.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(img.width * scale));
      canvas.height = Math.max(1, Math.round(img.height * scale));
      canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (ok) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) return ok(file);
          ok(new File([blob], file.name.replace(/\.[^.]*$/, '') + '.jpg', { type: 'image/jpeg' }));
        }, 'image/jpeg', 0.85);
      });
    }).catch(function () { return file; });
  }

  document.querySelectorAll('input[type=file][data-shrink]').forEach(function (input) {
    input.addEventListener('change', function () {
      var max = Number(input.dataset.shrink) || 1600;
      var work = Promise.all(Array.from(input.files).map(function (f) { return shrink(f, max); }))
        .then(function (files) {
          if (!window.DataTransfer) return;
          var dt = new DataTransfer();
          files.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        });
      pending.set(input, work);
    });
  });

  // Waits for the form's photos to be shrunk (the outbox reads them after this).
  window.pantauPhotosReady = function (form) {
    return Promise.all(Array.from(form.querySelectorAll('input[type=file]')).map(function (i) {
      return pending.get(i) || Promise.resolve();
    }));
  };

  // A form sent before its photos are shrunk waits for them.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.dataset.photosReady === '1' || !form.querySelector('input[type=file][data-shrink]')) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    window.pantauPhotosReady(form).then(function () {
      // Sent again once this submit event is over (a form ignores a new submit during one).
      setTimeout(function () {
        form.dataset.photosReady = '1';
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
        delete form.dataset.photosReady;
      }, 0);
    });
  }, true);
})();
