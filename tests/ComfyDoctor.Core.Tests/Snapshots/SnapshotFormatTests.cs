using System.Diagnostics;
using System.Text;
using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Core.Tests.Snapshots;

public sealed class SnapshotFormatTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";

    /// <summary>A snapshot as ComfyUI-Manager writes it: <c>json.dump(snapshot, f, indent=4)</c>, os.listdir order.</summary>
    private const string ManagerFile = """
        {
            "comfyui": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            "git_custom_nodes": {
                "https://github.com/kijai/ComfyUI-KJNodes": {
                    "hash": "0123456789abcdef0123456789abcdef01234567",
                    "disabled": false
                },
                "https://github.com/ltdrdata/ComfyUI-Impact-Pack.git": {
                    "hash": "89abcdef0123456789abcdef0123456789abcdef",
                    "disabled": true
                }
            },
            "cnr_custom_nodes": {
                "comfyui-videohelpersuite": "1.5.2"
            },
            "file_custom_nodes": [
                {
                    "filename": "tiny_node.py",
                    "disabled": false
                }
            ],
            "pips": {
                "numpy==1.26.4": "",
                "torch==2.5.1+cu124": "",
                "my-wheel": "https://wheels.example/my_wheel-1.0-py3-none-any.whl",
                "caf\u00e9-l\u00e4rm==0.1": ""
            }
        }
        """;

    [Fact]
    public void A_manager_snapshot_is_read_field_by_field_in_file_order()
    {
        var snapshot = SnapshotReader.Read(ManagerFile, "snap.json");

        Assert.Equal("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", snapshot.ComfyUi);
        Assert.Equal(
            [
                (Kj, "0123456789abcdef0123456789abcdef01234567", false),
                ("https://github.com/ltdrdata/ComfyUI-Impact-Pack.git", "89abcdef0123456789abcdef0123456789abcdef", true),
            ],
            snapshot.GitPacks.Select(p => (p.Url, p.Hash, p.Disabled))
        );
        Assert.Equal([new SnapshotCnrPack("comfyui-videohelpersuite", "1.5.2")], snapshot.CnrPacks);
        Assert.Equal([new SnapshotFilePack("tiny_node.py", false)], snapshot.FilePacks);
        Assert.Equal(4, snapshot.Pips.Count);
        Assert.Null(snapshot.Models);
        Assert.Equal(
            [
                new PipPin("numpy", "1.26.4", null),
                new PipPin("torch", "2.5.1+cu124", null),
                new PipPin("my-wheel", null, "https://wheels.example/my_wheel-1.0-py3-none-any.whl"),
                null,
            ],
            snapshot.Pips.Select(PipPin.Of)
        );
    }

    [Fact]
    public void A_manager_snapshot_is_written_back_byte_for_byte()
    {
        var bytes = SnapshotWriter.Write(SnapshotReader.Read(ManagerFile, "snap.json"), SnapshotFormats.Manager);

        Assert.Equal(ManagerFile.ReplaceLineEndings("\n"), bytes);
    }

    [Fact]
    public void What_we_write_is_what_pythons_json_dump_writes_for_the_same_data()
    {
        // Keys and values with quotes, backslashes, control characters, non-ASCII and a character beyond the BMP.
        var snapshot = new Snapshot(
            null,
            [new SnapshotGitPack("https://example.test/o/r\"q\\x", "abcdef0", true)],
            [],
            [new SnapshotFilePack("n\u00e9\tw\u0001.py", false)],
            [new SnapshotPip("z\u00fcrich==1.0", ""), new SnapshotPip("emoji-\U0001F600", "file:///w/\u007f.whl")],
            [new SnapshotModel("loras/a.safetensors", new string('a', 64), 1L << 40)]
        );
        foreach (var format in SnapshotFormats.Names)
        {
            var ours = SnapshotWriter.Write(snapshot, format);

            Assert.Equal(PythonRedump(ours), ours);
            Assert.Equal(ours, SnapshotWriter.Write(SnapshotReader.Read(ours, "x"), format));
        }

        Assert.Equal(
            "{\n    \"comfyui\": null,\n    \"git_custom_nodes\": {},\n    \"cnr_custom_nodes\": {},\n"
                + "    \"file_custom_nodes\": [],\n    \"pips\": {}\n}",
            SnapshotWriter.Write(Snapshot.Empty, SnapshotFormats.Manager)
        );
    }

    [Theory]
    [InlineData("[]", "snap.json: $: expected an object, found an array")]
    [InlineData("{\"comfyui\": ", "snap.json: not JSON at line 1")]
    [InlineData("{\"nodes\": []}", "snap.json: not a ComfyUI-Manager snapshot: none of comfyui, git_custom_nodes")]
    [InlineData("{\"comfyui\": \"main\"}", "snap.json: $.comfyui: expected a commit hash (7 to 40 hex digits), found \"main\"")]
    [InlineData(
        "{\"git_custom_nodes\": {\"https://g.test/a/b\": {\"hash\": 7, \"disabled\": false}}}",
        "snap.json: $.git_custom_nodes[\"https://g.test/a/b\"].hash: expected a commit hash (7 to 40 hex digits), found the number 7"
    )]
    [InlineData(
        "{\"git_custom_nodes\": {\"https://g.test/a/b\": {\"disabled\": false}}}",
        "snap.json: $.git_custom_nodes[\"https://g.test/a/b\"].hash: missing"
    )]
    [InlineData(
        "{\"git_custom_nodes\": {\"https://g.test/a/b\": {\"hash\": \"abcdef0\", \"disabled\": \"no\"}}}",
        "snap.json: $.git_custom_nodes[\"https://g.test/a/b\"].disabled: expected true or false, found \"no\""
    )]
    [InlineData(
        "{\"git_custom_nodes\": {\"https://g.test/a/b\": {\"hash\": \"abcdef0\"}, \"https://G.test/a/b.git\": {\"hash\": \"abcdef0\"}}}",
        "snap.json: $.git_custom_nodes: \"https://g.test/a/b\" and \"https://G.test/a/b.git\" are the same repository"
    )]
    [InlineData("{\"pips\": {\"a==1\": 1}}", "snap.json: $.pips[\"a==1\"]: expected a URL or \"\", found the number 1")]
    [InlineData("{\"pips\": {\"a==1\": \"\", \"a==1\": \"\"}}", "snap.json: $.pips[\"a==1\"]: given twice")]
    [InlineData(
        "{\"file_custom_nodes\": [{\"filename\": \"../x.py\"}]}",
        "snap.json: $.file_custom_nodes[0].filename: \"../x.py\" is not a plain file name"
    )]
    [InlineData(
        "{\"cnr_custom_nodes\": {\"kj\": \"\"}}",
        "snap.json: $.cnr_custom_nodes[\"kj\"]: expected a version, found an empty string"
    )]
    [InlineData(
        "{\"format\": \"comfydoctor-snapshot/2\"}",
        "snap.json: $.format: expected \"comfydoctor-snapshot/1\", found \"comfydoctor-snapshot/2\""
    )]
    [InlineData(
        "{\"format\": \"comfydoctor-snapshot/1\", \"models\": [{\"identity\": \"loras/a\", \"sha256\": \"abc\", \"size\": 1}]}",
        "snap.json: $.models[0].sha256: \"abc\" is not a SHA-256 (64 hex digits)"
    )]
    [InlineData(
        "{\"format\": \"comfydoctor-snapshot/1\", \"models\": [{\"identity\": \"loras/a\", \"sha256\": \"" + Sha + "\", \"size\": -1}]}",
        "snap.json: $.models[0].size: expected a size in bytes (a whole number, 0 or more), found the number -1"
    )]
    [InlineData(
        "{\"pips\": {\"bad\\u0007key==1\": 2}}",
        "snap.json: $.pips[\"bad\\x07key==1\"]: expected a URL or \"\", found the number 2"
    )]
    public void Malformed_snapshots_are_refused_naming_the_field(string json, string message)
    {
        var error = Assert.Throws<SnapshotFormatException>(() => SnapshotReader.Read(json, "snap.json"));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Fact]
    public void Our_format_carries_the_models_and_is_read_back()
    {
        var snapshot = Snapshot.Empty with { Models = [new SnapshotModel("checkpoints/x.safetensors", Sha, 42)] };

        var text = SnapshotWriter.Write(snapshot, SnapshotFormats.ComfyDoctor);

        Assert.StartsWith("{\n    \"format\": \"comfydoctor-snapshot/1\",\n    \"comfyui\": null,", text, StringComparison.Ordinal);
        Assert.Equal([new SnapshotModel("checkpoints/x.safetensors", Sha, 42)], SnapshotReader.Read(text, "x").Models);
    }

    /// <summary>The same data loaded and dumped again by Python's own json module, exactly as ComfyUI-Manager calls it.</summary>
    private static string PythonRedump(string json)
    {
        var start = new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", "import json,sys; d=json.load(sys.stdin); json.dump(d, sys.stdout, indent=4)" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var python = Process.Start(start)!;
        python.StandardInput.Write(json);
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        Assert.Equal(0, python.ExitCode);
        return output;
    }
}
