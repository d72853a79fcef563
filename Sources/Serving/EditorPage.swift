/// The editor's one page: plain HTML, CSS and JavaScript, nothing fetched from outside the server.
///
/// Every slider move posts the whole edit (image, method, σ per direction) with the page's session id; the server
/// keeps only the latest waiting one, and the page shows a result only if it is newer than the one shown.
/// `window.editor` exposes what the browser test reads (the sequence number shown, slider→image latencies).
enum EditorPage {
    static let html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>gradstyle serve</title>
    <style>
    body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
    header{background:#2b2d42;color:#fff;padding:.6em 1em}
    header h1{font-size:1.2em;margin:0;display:inline}
    header span{opacity:.75;margin-left:1em;font-size:.9em}
    main{display:flex;gap:1em;padding:1em;flex-wrap:wrap}
    section{background:#fff;border-radius:6px;padding:.8em;box-shadow:0 1px 3px #0002}
    #controls{width:320px}
    #faces{display:flex;flex-wrap:wrap;gap:4px}
    #faces button{padding:0;border:2px solid transparent;background:none;cursor:pointer}
    #faces button.selected{border-color:#d90429}
    #faces img{width:48px;height:48px;display:block}
    .slider{display:grid;grid-template-columns:80px 1fr 56px;align-items:center;gap:6px;margin:.3em 0}
    .slider output{font-variant-numeric:tabular-nums;text-align:right}
    #views{display:flex;gap:1em;align-items:flex-start}
    figure{margin:0;text-align:center}
    figure img{width:320px;height:320px;image-rendering:auto;background:#ddd;display:block}
    figcaption{font-size:.85em;color:#555;margin-top:.3em}
    #status{min-height:1.3em;font-size:.9em}
    #status.error{color:#b00020}
    label{font-size:.9em}
    h2{font-size:1em;margin:.8em 0 .4em}
    </style></head>
    <body>
    <header><h1>gradstyle serve</h1><span id="model">loading…</span></header>
    <main>
    <section id="controls">
      <h2>Image</h2>
      <div id="faces"></div>
      <p><input type="file" id="upload" accept="image/png,image/jpeg"></p>
      <p><label><input type="checkbox" id="align"> photo: find and align the face first</label></p>
      <h2>Method</h2>
      <select id="method"></select>
      <h2>Edits (σ)</h2>
      <div id="sliders"></div>
      <p><button id="reset">Reset</button> <button id="download">Download</button></p>
      <h2>View</h2>
      <label><input type="radio" name="view" value="side" checked> side by side</label>
      <label><input type="radio" name="view" value="toggle"> before / after</label>
      <button id="flip" hidden>show before</button>
    </section>
    <section>
      <div id="views">
        <figure id="beforeFigure"><img id="before" alt="before"><figcaption>before</figcaption></figure>
        <figure id="afterFigure"><img id="after" alt="after"><figcaption id="afterCaption">after</figcaption></figure>
      </div>
      <p id="status"></p>
      <p id="notes"></p>
    </section>
    </main>
    <script>
    "use strict";
    const $ = id => document.getElementById(id);
    const session = (Math.random().toString(36).slice(2) + Date.now().toString(36)).slice(0, 32);
    const editor = window.editor = {ready: false, sent: 0, placed: 0, shown: 0, latencies: [], errors: []};
    let info = null, image = null, showingBefore = false;
    const notes = {};  // what the server did to each upload

    function status(text, isError) {
      $("status").textContent = text;
      $("status").className = isError ? "error" : "";
      if (isError) editor.errors.push(text);
    }

    function strengths() {
      const edits = {};
      for (const s of document.querySelectorAll("#sliders input")) edits[s.dataset.direction] = Number(s.value);
      return edits;
    }

    function label(v) { return (v > 0 ? "+" : "") + v.toFixed(2) + "σ"; }

    function body(seq) { return JSON.stringify({session, seq, image, method: $("method").value, edits: strengths()}); }

    async function requestEdit() {
      if (!image) return;
      const seq = ++editor.sent, t0 = performance.now();
      let r;
      try {
        r = await fetch("/api/edit", {method: "POST", headers: {"Content-Type": "application/json"}, body: body(seq)});
      } catch (e) { status("the server did not answer: " + e, true); return; }
      if (r.status === 409) return;  // a newer position replaced this one
      if (!r.ok) { status((await r.json()).error, true); return; }
      const blob = await r.blob();
      // Responses may complete out of order: only a newer result than the one last put on screen replaces it.
      if (seq <= editor.placed) return;
      editor.placed = seq;
      const url = URL.createObjectURL(blob), img = $("after"), old = img.src;
      img.onload = () => {
        if (seq !== editor.placed) return;
        editor.shown = seq;
        const ms = performance.now() - t0;
        editor.latencies.push(ms);
        img.dataset.seq = seq;
        status("edit shown in " + Math.round(ms) + " ms (server " + r.headers.get("X-Edit-Ms") + " ms)");
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      };
      img.src = url;
    }

    function select(id) {
      image = id;
      $("notes").textContent = (notes[id] || []).join("; ");
      for (const b of document.querySelectorAll("#faces button")) b.classList.toggle("selected", b.dataset.id === id);
      $("before").src = "/api/images/" + encodeURIComponent(id) + ".png";
      requestEdit();
    }

    function addFace(id, text) {
      const b = document.createElement("button");
      b.dataset.id = id;
      b.title = text;
      const img = document.createElement("img");
      img.src = "/api/images/" + encodeURIComponent(id) + ".png";
      img.alt = text;
      b.append(img);
      b.onclick = () => select(id);
      $("faces").append(b);
    }

    async function upload(file) {
      if (file.size > info.maxUploadBytes) { status(file.name + ": " + file.size + " bytes is over the server's limit of " + info.maxUploadBytes, true); return; }
      status("uploading " + file.name + "…");
      const align = $("align").checked ? 1 : 0;
      let r;
      try { r = await fetch("/api/images?align=" + align, {method: "POST", body: file}); }
      catch (e) { status("the upload failed: " + e, true); return; }
      const j = await r.json();
      if (!r.ok) { status(file.name + ": " + j.error, true); return; }
      notes[j.id] = j.notes;
      addFace(j.id, file.name);
      status("");
      select(j.id);
    }

    async function download() {
      if (!image) return;
      const r = await fetch("/api/download", {method: "POST", headers: {"Content-Type": "application/json"}, body: body()});
      if (!r.ok) { status((await r.json()).error, true); return; }
      const name = (r.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await r.blob());
      a.download = name ? name[1] : "edit.png";
      a.click();
    }

    function setView() {
      const toggle = document.querySelector("input[name=view]:checked").value === "toggle";
      $("flip").hidden = !toggle;
      $("beforeFigure").hidden = toggle && !showingBefore;
      $("afterFigure").hidden = toggle && showingBefore;
      $("flip").textContent = showingBefore ? "show after" : "show before";
    }

    async function init() {
      try { info = await (await fetch("/api/info")).json(); }
      catch (e) { status("cannot reach the server: " + e, true); return; }
      $("model").textContent = info.resolution + "² model · " + info.methods.join(", ");
      const names = {"e4e": "e4e (code only)", "single-stage": "one-shot (single-stage)", "gradstyle": "GradStyle", "hfgi": "HFGI"};
      for (const m of info.methods) $("method").add(new Option(names[m] || m, m, false, m === info.defaultMethod));
      for (const d of info.directions) {
        const row = document.createElement("div");
        row.className = "slider";
        const name = document.createElement("span");
        name.textContent = d.name;
        const s = document.createElement("input");
        Object.assign(s, {type: "range", min: -3, max: 3, step: 0.25, value: 0});
        s.dataset.direction = d.name;
        s.setAttribute("aria-label", d.name);
        const out = document.createElement("output");
        out.textContent = label(0);
        s.addEventListener("input", () => { out.textContent = label(Number(s.value)); requestEdit(); });
        row.append(name, s, out);
        $("sliders").append(row);
      }
      if (!info.directions.length) $("sliders").textContent = "no direction files beside the model";
      $("align").disabled = !info.alignAvailable;
      for (const i of info.images) addFace(i.id, i.label);
      $("upload").addEventListener("change", e => { if (e.target.files[0]) upload(e.target.files[0]); });
      $("method").addEventListener("change", requestEdit);
      $("reset").onclick = () => {
        for (const s of document.querySelectorAll("#sliders input")) { s.value = 0; s.nextSibling.textContent = label(0); }
        requestEdit();
      };
      $("download").onclick = download;
      for (const r of document.querySelectorAll("input[name=view]")) r.addEventListener("change", setView);
      $("flip").onclick = () => { showingBefore = !showingBefore; setView(); };
      if (info.images.length) select(info.images[0].id);
      editor.ready = true;
    }
    init();
    </script>
    </body></html>
    """
}
