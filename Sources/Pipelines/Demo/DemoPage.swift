import Foundation

/// The demo's page: a reconstruction sheet (source | each method, every tile captioned with its PSNR) and, per
/// direction, before/after strips from −2σ to +2σ for every method with the editing protocol's figures under
/// them. Each figure has one plain sentence saying what it means. Self-contained: every image is a file beside it.
struct DemoPage {
    let report: DemoJob.Report
    /// Images per edit strip.
    let shown: Int

    // MARK: file names (flat, so the staged output moves into place file by file)

    func reconstructionTile(image i: Int, column: String) -> String {
        "rec_\(String(format: "%02d", i))_\(DemoPage.safe(column)).png"
    }

    func editTile(_ edit: String, method: String, sigmas: Double, image i: Int) -> String {
        let s = sigmas == 0 ? "0" : (sigmas > 0 ? "p" : "m") + String(format: "%g", abs(sigmas))
        return "edit_\(DemoPage.safe(edit))_\(DemoPage.safe(method))_\(String(format: "%02d", i))_\(s).png"
    }

    static func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    // MARK: wording

    /// How a method is called on the page.
    static func title(_ method: String) -> String {
        switch method {
        case "e4e": return "e4e"
        case "single-stage": return "one-shot"
        case "gradstyle": return "GradStyle"
        default: return method
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ x: Double?, _ decimals: Int = 2) -> String {
        guard let x, x.isFinite else { return "—" }
        return String(format: "%.\(decimals)f", x)
    }

    static func sigmaLabel(_ s: Double) -> String {
        s == 0 ? "0σ" : (s > 0 ? "+" : "−") + String(format: "%gσ", abs(s))
    }

    // MARK: page

    func html() -> String {
        let r = report
        let methods = r.methods
        var body: [String] = []
        body.append("<h1>GradStyle demo</h1>")
        body.append("<p>\(r.images) held-out images at \(r.resolution)², inverted by \(methods.map(DemoPage.title).joined(separator: ", ")): "
            + "e4e keeps only the encoder's latent code; the one-shot baseline adds the image's residual features in one stage; "
            + "GradStyle adds them stage by stage. Every figure here is what <code>gradstyle eval reconstruction</code> and "
            + "<code>gradstyle eval editing</code> compute for these images (\(DemoPage.number(r.seconds, 1)) s in all).</p>")

        // Reconstruction sheet.
        body.append("<h2>Reconstruction</h2>")
        body.append("<table class=\"tiles\"><tr><th>source</th>" + methods.map { "<th>\(DemoPage.escape(DemoPage.title($0)))</th>" }.joined() + "</tr>")
        for i in 0..<r.images {
            var cells = ["<td><img src=\"\(reconstructionTile(image: i, column: "source"))\" alt=\"source \(i)\"><br>&nbsp;</td>"]
            for row in r.reconstruction {
                cells.append("<td><img src=\"\(reconstructionTile(image: i, column: row.method))\" alt=\"\(DemoPage.escape(row.method)) \(i)\">"
                    + "<br>PSNR \(DemoPage.number(row.imagePSNR[i])) dB</td>")
            }
            body.append("<tr>" + cells.joined() + "</tr>")
        }
        body.append("</table>")
        let hasFace = r.reconstruction.contains { $0.facePSNR != nil }
        body.append("<table><tr><th>method</th><th>PSNR dB</th>" + (hasFace ? "<th>face PSNR dB</th>" : "")
            + "<th>SSIM</th><th>MS-SSIM</th><th>ms/image</th></tr>")
        for row in r.reconstruction {
            body.append("<tr><td>\(DemoPage.escape(DemoPage.title(row.method)))</td><td>\(DemoPage.number(row.psnr))</td>"
                + (hasFace ? "<td>\(DemoPage.number(row.facePSNR))</td>" : "")
                + "<td>\(DemoPage.number(row.ssim, 3))</td><td>\(DemoPage.number(row.msssim, 3))</td><td>\(DemoPage.number(row.msPerImage, 1))</td></tr>")
        }
        body.append("</table><ul class=\"meaning\">")
        body.append("<li><b>PSNR</b>: how close the reconstruction is to the source, pixel by pixel, in decibels (means over the \(r.images) images) — higher is closer; every +3 dB halves the squared error.</li>")
        if hasFace { body.append("<li><b>face PSNR</b>: the same, counted only inside the face, where the fine details (freckles, moles, wrinkles) are.</li>") }
        body.append("<li><b>SSIM / MS-SSIM</b>: how well local structure (edges, texture) matches, at one scale and at five; 1 is identical.</li>")
        body.append("<li><b>ms/image</b>: inversion time per image on this machine.</li></ul>")
        if let e4e = r.reconstruction.first(where: { $0.method == "e4e" }), let best = r.reconstruction.last, best.method != e4e.method {
            body.append("<p>In short: \(DemoPage.title(best.method)) reconstructs the sources at \(DemoPage.number(best.psnr)) dB against e4e's "
                + "\(DemoPage.number(e4e.psnr)) dB (\(DemoPage.signedNumber(best.psnr - e4e.psnr)) dB).</p>")
        }

        // Edits.
        body.append("<h2>Edits</h2>")
        if r.edits.isEmpty {
            body.append("<p>No edit directions: nothing to sweep.</p>")
        } else {
            body.append("<p>Each direction moves the latent code by −2σ … +2σ (σ: the codes' standard deviation along it); "
                + "the first \(shown) images are shown, the figures under them are means over all \(r.images).</p>")
        }
        for name in r.sigma.keys.sorted() { body.append(contentsOf: editSection(name)) }

        body.append("<h2>Notes</h2><ul>" + r.notes.map { "<li>\(DemoPage.escape($0))</li>" }.joined() + "</ul>")
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>GradStyle demo</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1400px} table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ddd;padding:3px 6px;text-align:center;font-size:90%} img{image-rendering:pixelated;width:96px;height:96px}
        tr.fig td{background:#f6f6f6} ul.meaning{color:#333;font-size:92%}</style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>
        """
    }

    static func signedNumber(_ x: Double) -> String { x.isFinite ? String(format: "%+.2f", x) : "—" }

    /// One direction: per method, `shown` rows of before | −2σ … +2σ tiles, then the figures per strength.
    func editSection(_ name: String) -> [String] {
        let r = report
        let region = r.edits.first { $0.edit == name }?.region
        let hasKept = r.edits.contains { $0.edit == name && $0.keptPSNR != nil }
        let hasChange = r.edits.contains { $0.edit == name && $0.change != nil }
        let hasTruth = r.edits.contains { $0.edit == name && $0.truthPSNR != nil }
        var lines = ["<h3>\(DemoPage.escape(name))</h3>",
                     "<p>σ = \(DemoPage.number(r.sigma[name], 3)); " + (region.map { "the edit should change the \(DemoPage.escape($0)) region only.</p>" }
                        ?? "a global attribute: it may change the whole face.</p>")]
        lines.append("<table class=\"tiles\"><tr><th>method</th><th>source (before)</th>" + r.sweep.map { "<th>\(DemoPage.sigmaLabel($0))</th>" }.joined() + "</tr>")
        for method in r.methods {
            let rows = shown + (hasKept ? 1 : 0) + (hasChange ? 1 : 0) + (hasTruth ? 1 : 0)
            for i in 0..<shown {
                var cells = i == 0 ? ["<th rowspan=\"\(rows)\">\(DemoPage.escape(DemoPage.title(method)))</th>"] : []
                cells.append("<td><img src=\"\(reconstructionTile(image: i, column: "source"))\" alt=\"source \(i)\"></td>")
                for s in r.sweep {
                    cells.append("<td><img src=\"\(editTile(name, method: method, sigmas: s, image: i))\" alt=\"\(DemoPage.escape("\(name) \(method) \(s)"))\"></td>")
                }
                lines.append("<tr>" + cells.joined() + "</tr>")
            }
            func figures(_ label: String, _ value: (DemoJob.EditRow) -> String) {
                lines.append("<tr class=\"fig\"><td>\(label)</td>" + r.sweep.map { s in
                    "<td>\(r.edit(name, s, method).map(value) ?? "—")</td>"
                }.joined() + "</tr>")
            }
            if hasKept { figures("kept PSNR dB") { DemoPage.number($0.keptPSNR) } }
            if hasChange {
                figures("Δ \(DemoPage.escape(name)) (moved)") { e in
                    e.sigmas == 0 ? "—" : "\(DemoPage.number(e.change, 3)) (\(DemoPage.number(e.successPercent, 0))%)"
                }
            }
            if hasTruth { figures("truth PSNR dB") { DemoPage.number($0.truthPSNR) } }
        }
        lines.append("</table><ul class=\"meaning\">")
        if hasKept, let region {
            lines.append("<li><b>kept PSNR</b>: PSNR between the edited image and the source outside the \(DemoPage.escape(region)) — how much of the rest of the face (patterns, hair strands, skin details) survives the edit; higher means more of the source is kept. At 0σ it is the reconstruction's own quality there.</li>")
        } else if region == nil {
            lines.append("<li>No kept PSNR: a global attribute has no region the edit should leave alone.</li>")
        }
        if hasChange {
            lines.append("<li><b>Δ \(DemoPage.escape(name))</b>: how far the attribute classifier says \(DemoPage.escape(name)) moved in the intended direction (its label units), between each method's reconstruction and its edit; in brackets the share of images it moved past the classifier's threshold.</li>")
        }
        if hasTruth {
            lines.append("<li><b>truth PSNR</b>: PSNR against the same face rendered with \(DemoPage.escape(name)) changed by as much as the classifier says the edit changed it — higher means the edit looks like the real change.</li>")
        }
        lines.append("</ul>")
        if hasKept, let top = r.sweep.max(), top > 0, let last = r.methods.last, last != "e4e",
           let a = r.edit(name, top, "e4e")?.keptPSNR, let b = r.edit(name, top, last)?.keptPSNR {
            lines.append("<p>In short: at \(DemoPage.sigmaLabel(top)) \(DemoPage.title(last)) keeps \(DemoPage.number(b)) dB outside the "
                + "\(DemoPage.escape(region ?? "")) against e4e's \(DemoPage.number(a)) dB (\(DemoPage.signedNumber(b - a)) dB).</p>")
        }
        return lines
    }
}
