using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class AdminPinsReaderTests
{
    [Fact]
    public void Reads_yaml()
    {
        var pins = Read(
            """
            packs:
              - name: kjnodes
                url: https://github.com/kijai/ComfyUI-KJNodes
                version: 1.1.7
              - name: mine
                url: https://git.example.invalid/me/nodes.git
            nodes:
              SetNode: kjnodes
            """
        );
        Assert.Equal(2, pins.Packs.Count);
        Assert.Equal("1.1.7", pins.PackFor("SetNode")!.Version);
        Assert.Equal("mine", pins.PackAt("https://GIT.example.invalid/me/nodes")!.Name);
        Assert.Null(pins.PackFor("GetNode"));
    }

    [Fact]
    public void Reads_json() =>
        Assert.Equal(
            "a",
            Read("{\n\t\"packs\": [{\"name\": \"a\", \"url\": \"https://github.com/o/a\"}],\n\t\"nodes\": {\"X\": \"a\"}\n}")
                .PackFor("X")!
                .Name
        );

    [Theory]
    [InlineData("packs:\n  - url: https://github.com/o/a\n", "pins.yaml:2: packs[0].name: is missing")]
    [InlineData("packs:\n  - name: a\n    url: not a url\n", "pins.yaml:2: packs[0].url: 'not a url' is not a repository URL")]
    [InlineData(
        "packs:\n  - name: a\n    url: https://github.com/o/a\nnodes:\n  X: b\n",
        "pins.yaml:5: nodes.X: pack 'b' is not listed under 'packs'"
    )]
    [InlineData("packs: {}\n", "pins.yaml:1: packs: expected a list")]
    [InlineData("- a\n", "pins.yaml:1: expected an object with 'packs' and/or 'nodes'")]
    [InlineData("packs: [unclosed\n", "pins.yaml:")]
    public void Errors_name_file_line_and_field(string content, string expected)
    {
        var e = Assert.Throws<NodeCatalogFormatException>(() => Read(content));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    private static AdminPins Read(string content) => AdminPinsReader.Read("pins.yaml", new StringReader(content));
}
