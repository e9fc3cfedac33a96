using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Core.Tests.Text;

public sealed class PrintableTests
{
    [Theory]
    [InlineData("checkpoints/sd15/model.safetensors", "checkpoints/sd15/model.safetensors")]
    [InlineData("loras/\u001b]0;pwned\u0007x.safetensors", "loras/\\x1b]0;pwned\\x07x.safetensors")]
    [InlineData("a\u001b[2Kb\r\nc\td", "a\\x1b[2Kb\\x0d\\x0ac\\x09d")]
    [InlineData("c1 \u009b31m \u0085 \u007f", "c1 \\x9b31m \\x85 \\x7f")]
    [InlineData("bidi \u202egnp.exe \u2066x\u2069", "bidi \\u202egnp.exe \\u2066x\\u2069")]
    [InlineData("ünïcode 模型 🙂.pt", "ünïcode 模型 🙂.pt")]
    public void Escapes_control_and_hiding_characters_and_nothing_else(string text, string shown) =>
        Assert.Equal(shown, Printable.Escape(text));

    [Fact]
    public void A_lone_surrogate_is_escaped() =>
        Assert.Equal("lone \\ud800 surrogate", Printable.Escape("lone " + (char)0xd800 + " surrogate"));

    [Fact]
    public void Text_that_needs_no_escape_is_returned_as_it_is() => Assert.Same("plain.safetensors", Printable.Escape("plain.safetensors"));

    [Fact]
    public void Every_name_decodes_to_a_distinct_text()
    {
        byte[][] names =
        [
            [.. "evil"u8, 0xff, .. ".pt"u8],
            [.. "evil\\xff.pt"u8],
            [.. "evil"u8, 0xc3, 0xbf, .. ".pt"u8],
            [.. "a\\b"u8],
            [0xe6, 0xa8, 0xa1, 0xff],
        ];
        var texts = names.Select(n => FileNameText.Decode(n)).ToList();

        Assert.Equal(["evil\\xff.pt", "evil\\\\xff.pt", "evil\u00ff.pt", "a\\\\b", "模\\xff"], texts.Select(t => t.Escaped));
        Assert.Equal([null, "evil\\xff.pt", "evil\u00ff.pt", "a\\b", null], texts.Select(t => t.Exact));
        Assert.Equal(names.Length, texts.Select(t => t.Escaped).Distinct(StringComparer.Ordinal).Count());
    }
}
