using ComfyDoctor.Core.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ComfyDoctor.Cli.Output;

/// <summary>
/// The last line of defence of the terminal: every text segment any command writes through <see cref="Terminal"/> is
/// passed through <see cref="Printable.Escape"/> before it reaches the terminal, so a file name holding ESC, OSC, BEL or
/// CSI bytes cannot retitle the window, move the cursor or hide lines, whichever table or message carries it. Spectre's
/// own control codes (colours, the live progress display) and line breaks pass as they are. Renderers escape their
/// untrusted strings themselves too (<see cref="Shown"/>), so that a table is measured on what is shown.
/// </summary>
internal sealed class ControlCharacterHook : IRenderHook
{
    public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables) =>
        renderables.Select(r => r is Escaped ? r : new Escaped(r));

    private sealed class Escaped(IRenderable inner) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            inner
                .Render(options, maxWidth)
                .Select(s =>
                    s.IsControlCode || s.IsLineBreak || Printable.Escape(s.Text) is var shown && ReferenceEquals(shown, s.Text)
                        ? s
                        : new Segment(shown, s.Style)
                );
    }
}

/// <summary>Untrusted text (a file name, a message from a worker) as a renderer shows it: escaped, then markup-safe.</summary>
internal static class Shown
{
    public static string Text(string? text) => Printable.Escape(text);

    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Printable.Escape(text));
}
