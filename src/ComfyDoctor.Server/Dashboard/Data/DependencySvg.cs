using System.Globalization;
using System.Net;
using System.Text;
using ComfyDoctor.Core.Dependencies;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>
/// Draws the dependency graph as SVG on the server: models on the left, workflows in the middle, node packs on the
/// right, a line from each workflow to what it needs. Something some workers lack has a dashed red border and says on
/// how many (so colour is not the only signal).
/// </summary>
public static class DependencySvg
{
    private const int RowHeight = 30;
    private const int BoxHeight = 22;
    private const int ColumnWidth = 320;
    private const int Gap = 110;

    public static string Render(DependencyGraph graph)
    {
        var columns = new[] { GraphNodeKind.Model, GraphNodeKind.Workflow, GraphNodeKind.NodePack };
        var positions = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        var rows = 0;
        for (var c = 0; c < columns.Length; c++)
        {
            var nodes = graph.Nodes.Where(n => n.Kind == columns[c]).ToList();
            for (var r = 0; r < nodes.Count; r++)
            {
                positions[nodes[r].Id] = (10 + (c * (ColumnWidth + Gap)), 40 + (r * RowHeight));
            }

            rows = Math.Max(rows, nodes.Count);
        }

        var width = 20 + (3 * ColumnWidth) + (2 * Gap);
        var height = 50 + (Math.Max(rows, 1) * RowHeight);
        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"graph-title\" ");
        svg.Append(Invariant($"width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"));
        var workflows = graph.Nodes.Count(n => n.Kind == GraphNodeKind.Workflow);
        svg.Append(Invariant($"<title id=\"graph-title\">Dependency graph: {workflows} workflows, "));
        svg.Append(Invariant($"{graph.Edges.Count} dependencies</title>"));
        string[] headings = ["Models", "Workflows", "Node packs"];
        for (var c = 0; c < headings.Length; c++)
        {
            svg.Append(Invariant($"<text x=\"{10 + (c * (ColumnWidth + Gap))}\" y=\"22\" font-weight=\"bold\">{headings[c]}</text>"));
        }

        foreach (var edge in graph.Edges)
        {
            var (fx, fy) = positions[edge.From];
            var (tx, ty) = positions[edge.To];
            var (x1, x2) = tx < fx ? (fx, tx + ColumnWidth) : (fx + ColumnWidth, tx);
            var (y1, y2, mid) = (fy + (BoxHeight / 2), ty + (BoxHeight / 2), (x1 + x2) / 2);
            svg.Append(Invariant($"<path class=\"edge\" data-from=\"{Attr(edge.From)}\" data-to=\"{Attr(edge.To)}\" "));
            svg.Append(Invariant($"d=\"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}\" fill=\"none\" stroke=\"#8a94a3\"/>"));
        }

        foreach (var node in graph.Nodes)
        {
            var (x, y) = positions[node.Id];
            var lacking = node.MissingOn.Count > 0;
            var label = node.Label + (lacking ? $" — missing on {node.MissingOn.Count}" : "");
            var missing = lacking ? Text(" — missing on " + string.Join(", ", node.MissingOn)) : "";
            svg.Append(Invariant($"<g class=\"node\" data-id=\"{Attr(node.Id)}\" data-missing=\"{node.MissingOn.Count}\">"));
            svg.Append(Invariant($"<title>{Text(node.Label)}{missing}</title>"));
            var fill = node.Kind == GraphNodeKind.Workflow ? "#e8f0fe" : "#ffffff";
            var (stroke, dash) = lacking ? ("#b42318", " stroke-dasharray=\"4 2\" stroke-width=\"2\"") : ("#5b6470", "");
            svg.Append(Invariant($"<rect x=\"{x}\" y=\"{y}\" width=\"{ColumnWidth}\" height=\"{BoxHeight}\" rx=\"4\" "));
            svg.Append(Invariant($"fill=\"{fill}\" stroke=\"{stroke}\"{dash}/>"));
            svg.Append(Invariant($"<text x=\"{x + 6}\" y=\"{y + 15}\">{Text(Shorten(label, 44))}</text></g>"));
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : "…" + text[^(max - 1)..];

    private static string Text(string value) => WebUtility.HtmlEncode(value);

    private static string Attr(string value) => WebUtility.HtmlEncode(value);

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
