using System.Diagnostics;
using System.Text;
using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Core.Tests.Snapshots;

/// <summary>
/// Issue 19, snapshots from other tools: ComfyUI-Manager's YAML snapshot (<c>yaml.dump({'custom_nodes': snapshot},
/// allow_unicode=True)</c>: sorted keys, block style, strings quoted only where YAML would read them otherwise) and comfy-cli's
/// <c>comfy.lock.yaml</c> (<c>basics</c>, <c>models</c>, and Manager's YAML snapshot as <c>custom_nodes</c>), told apart by
/// content, read into the same snapshot as Manager's JSON, refused with the line and the field when malformed.
/// </summary>
public sealed class SnapshotYamlTests
{
    /// <summary>What Manager's <c>save_snapshot_with_postfix</c> writes for a <c>.yaml</c> path (PyYAML 6, checked below).</summary>
    private const string ManagerYaml = """
        custom_nodes:
          cnr_custom_nodes:
            comfyui-kjnodes: '1.10'
            comfyui-videohelpersuite: 1.5.2
          comfyui: a1b2c3d4e5f60718293a4b5c6d7e8f9012345678
          file_custom_nodes:
          - disabled: false
            filename: tiny_node.py
          git_custom_nodes:
            https://github.com/kijai/ComfyUI-KJNodes:
              disabled: false
              hash: 0123456789abcdef0123456789abcdef01234567
            https://github.com/ltdrdata/ComfyUI-Impact-Pack.git:
              disabled: true
              hash: 89abcdef0123456789abcdef0123456789abcdef
          pips:
            -e git+https://github.com/x/y@0123abc#egg=y: ''
            café-lärm==0.1: ''
            my-wheel: https://wheels.example/my_wheel-1.0-py3-none-any.whl
            numpy==1.26.4: ''
            torch==2.5.1+cu124: ''

        """;

    /// <summary>The same snapshot as Manager's JSON (<c>json.dump(indent=4)</c>).</summary>
    private const string ManagerJson = """
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
                "comfyui-kjnodes": "1.10",
                "comfyui-videohelpersuite": "1.5.2"
            },
            "file_custom_nodes": [
                {
                    "filename": "tiny_node.py",
                    "disabled": false
                }
            ],
            "pips": {
                "-e git+https://github.com/x/y@0123abc#egg=y": "",
                "caf\u00e9-l\u00e4rm==0.1": "",
                "my-wheel": "https://wheels.example/my_wheel-1.0-py3-none-any.whl",
                "numpy==1.26.4": "",
                "torch==2.5.1+cu124": ""
            }
        }
        """;

    [Fact]
    public void Managers_yaml_snapshot_reads_as_the_same_snapshot_as_its_json()
    {
        var yaml = SnapshotReader.ReadFile(Encoding.UTF8.GetBytes(ManagerYaml), "snap.yaml");
        var json = SnapshotReader.ReadFile(Encoding.UTF8.GetBytes(ManagerJson), "snap.json");

        Assert.Equal(SnapshotFormats.ManagerYaml, yaml.Format);
        Assert.Equal(SnapshotFormats.Manager, json.Format);
        Assert.Equal(Sorted(json.Snapshot), Sorted(yaml.Snapshot));
        Assert.Contains(new SnapshotCnrPack("comfyui-kjnodes", "1.10"), yaml.Snapshot.CnrPacks); // quoted: not the float 1.1
        Assert.Contains(yaml.Snapshot.GitPacks, p => p.Url.EndsWith("Impact-Pack.git", StringComparison.Ordinal) && p.Disabled);
    }

    [Fact]
    public void The_yaml_fixture_is_what_PyYAML_dumps_as_Manager_calls_it()
    {
        Assert.Equal(
            ManagerYaml,
            Python(
                "import json,sys,yaml; print(yaml.dump({'custom_nodes': json.load(sys.stdin)}, allow_unicode=True), end='')",
                ManagerJson
            )
        );
    }

    [Fact]
    public void A_comfy_cli_lock_file_is_read_for_its_custom_nodes_and_its_models_are_left_unread()
    {
        var lockFile = $"""
            basics:
              name: render-farm
              updated_at: '2026-12-05T07:00:00'
            models:
            - model: sdxl base
              url: https://huggingface.co/stabilityai/sdxl/resolve/main/sd_xl_base_1.0.safetensors
              paths:
              - path: models/checkpoints/sd_xl_base_1.0.safetensors
              hashes:
              - hash: 31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6ffb8fb8fc1ca
                type: SHA256
              type: checkpoint
            {ManagerYaml}
            """;

        var read = SnapshotReader.ReadFile(Encoding.UTF8.GetBytes(lockFile), "comfy.lock.yaml");

        Assert.Equal(SnapshotFormats.ComfyLock, read.Format);
        Assert.Equal(Sorted(SnapshotReader.Read(ManagerJson, "snap.json")), Sorted(read.Snapshot));
        Assert.Null(read.Snapshot.Models); // no size, paths under a workspace: not read (README "Snapshots")
    }

    [Fact]
    public void A_lock_file_as_comfy_cli_writes_it_today_holds_no_snapshot_and_is_refused_saying_so()
    {
        // comfy-cli's save_yaml: yaml.safe_dump(default_flow_style=False), custom_nodes always [].
        var written = Python(
            "import yaml; print(yaml.safe_dump({'basics': {'name': 'farm', 'updated_at': '2026-12-05T07:00:00'}, 'models': "
                + "[{'model': 'x', 'url': 'https://h/x', 'paths': [{'path': 'models/checkpoints/x.safetensors'}], 'hash': 'abc', "
                + "'type': 'checkpoint'}], 'custom_nodes': []}, default_flow_style=False, allow_unicode=True), end='')",
            ""
        );

        var error = Assert.Throws<SnapshotFormatException>(() =>
            SnapshotReader.ReadFile(Encoding.UTF8.GetBytes(written), "comfy.lock.yaml")
        );

        Assert.Equal(
            "comfy.lock.yaml:4: $.custom_nodes: holds no snapshot (comfy-cli writes [] here until it records custom nodes): "
                + "nothing to expect of a worker",
            error.Message
        );
    }

    [Theory]
    [InlineData(
        "custom_nodes:\n  git_custom_nodes:\n    https://g.test/a/b:\n      hash: main\n",
        "snap.yaml:4: $.custom_nodes.git_custom_nodes[\"https://g.test/a/b\"].hash: expected a commit hash (7 to 40 hex digits), "
            + "found \"main\""
    )]
    [InlineData(
        "custom_nodes:\n  git_custom_nodes:\n    https://g.test/a/b:\n      hash: abcdef0\n      disabled: maybe\n",
        "snap.yaml:5: $.custom_nodes.git_custom_nodes[\"https://g.test/a/b\"].disabled: expected true or false, found \"maybe\""
    )]
    [InlineData("custom_nodes:\n  pips:\n    a==1: ''\n    a==1: ''\n", "snap.yaml:4: the key \"a==1\" is given twice (first on line 3)")]
    [InlineData(
        "custom_nodes:\n  cnr_custom_nodes:\n    kj: null\n",
        "snap.yaml:3: $.custom_nodes.cnr_custom_nodes[\"kj\"]: expected a version, found null"
    )]
    [InlineData(
        "custom_nodes:\n  file_custom_nodes:\n  - filename: ../x.py\n",
        "snap.yaml:3: $.custom_nodes.file_custom_nodes[0].filename: \"../x.py\" is not a plain file name"
    )]
    [InlineData(
        "custom_nodes:\n  comfyui: &c abcdef0\n  pips: *c\n",
        "snap.yaml:2: anchors and aliases (& and *) are not read in a snapshot"
    )]
    [InlineData(
        "custom_nodes:\n  comfyui: !!python/name:os.system abcdef0\n",
        "snap.yaml:2: the tag tag:yaml.org,2002:python/name:os.system is not read"
    )]
    [InlineData("custom_nodes:\n  pips: {'a==1': ''\n", "snap.yaml:3: not valid YAML")]
    [InlineData("custom_nodes: 'nodes'\n", "snap.yaml:1: $.custom_nodes: expected ComfyUI-Manager's snapshot (a mapping), found \"nodes\"")]
    [InlineData("custom_nodes:\n  nodes: []\n", "snap.yaml:2: $.custom_nodes: not a ComfyUI-Manager snapshot: none of comfyui")]
    [InlineData("nodes:\n- a\n", "snap.yaml:1: not a ComfyUI-Manager snapshot: none of comfyui, git_custom_nodes")]
    [InlineData("- a\n", "snap.yaml:1: $: expected a mapping, found an array")]
    [InlineData("custom_nodes:\n  pips: {}\n---\ncustom_nodes: {}\n", "snap.yaml:3: a second YAML document")]
    [InlineData(
        "custom_nodes:\n  pips:\n    git+https://ci:ghp_SECRET123@git.test/a/b: [7]\n",
        "snap.yaml:3: $.custom_nodes.pips[\"git+https://***@git.test/a/b\"]: expected a URL or \"\", found an array"
    )]
    public void Malformed_yaml_is_refused_with_its_line_and_field(string yaml, string message)
    {
        var error = Assert.Throws<SnapshotFormatException>(() => SnapshotReader.ReadFile(Encoding.UTF8.GetBytes(yaml), "snap.yaml"));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_scalars_resolve_as_PyYAMLs_safe_loader_does_and_versions_stay_as_written()
    {
        var read = SnapshotReader.ReadFile(
            Encoding.UTF8.GetBytes(
                "custom_nodes:\n  comfyui: ~\n  cnr_custom_nodes:\n    kj: 1.10\n  git_custom_nodes:\n    https://g.test/a/b:\n"
                    + "      hash: 1234567\n      disabled: yes\n"
            ),
            "snap.yaml"
        );

        Assert.Null(read.Snapshot.ComfyUi);
        Assert.Equal([new SnapshotCnrPack("kj", "1.10")], read.Snapshot.CnrPacks);
        Assert.Equal([new SnapshotGitPack("https://g.test/a/b", "1234567", true)], read.Snapshot.GitPacks);
    }

    [Fact]
    public void A_yaml_flow_mapping_is_yaml_though_it_starts_like_json()
    {
        var read = SnapshotReader.ReadFile(Encoding.UTF8.GetBytes("{custom_nodes: {comfyui: abcdef0, pips: {}}}"), "snap.yaml");

        Assert.Equal(SnapshotFormats.ManagerYaml, read.Format);
        Assert.Equal("abcdef0", read.Snapshot.ComfyUi);
    }

    /// <summary>The snapshot with every section in one order, for comparing files whose writers order keys differently.</summary>
    private static string Sorted(Snapshot s) =>
        string.Join(
            "\n",
            [
                s.ComfyUi ?? "null",
                .. s.GitPacks.Select(p => $"{p.Url} {p.Hash} {p.Disabled}").Order(StringComparer.Ordinal),
                .. s.CnrPacks.Select(p => $"{p.Id} {p.Version}").Order(StringComparer.Ordinal),
                .. s.FilePacks.Select(p => $"{p.FileName} {p.Disabled}").Order(StringComparer.Ordinal),
                .. s.Pips.Select(p => $"{p.Key} {p.Value}").Order(StringComparer.Ordinal),
            ]
        );

    private static string Python(string code, string stdin)
    {
        var start = new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", code },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var python = Process.Start(start)!;
        python.StandardInput.Write(stdin);
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        Assert.Equal(0, python.ExitCode);
        return output;
    }
}
