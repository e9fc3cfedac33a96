using System.IO.Compression;
using System.Text;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

public sealed class SafeZipExtractorTests : IDisposable
{
    private readonly Sandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string WriteZip(params (string Name, string Content)[] entries)
    {
        var path = _sandbox.Combine("pack.zip");
        File.WriteAllBytes(path, RegistryServer.Zip(entries));
        return path;
    }

    private string Target()
    {
        var target = _sandbox.Combine("out", "pack");
        Directory.CreateDirectory(target);
        return target;
    }

    [Fact]
    public async Task Extracts_every_entry_and_writes_the_tracking_list_as_ComfyUI_Manager_does()
    {
        var zip = WriteZip(("__init__.py", "x = 1\n"), ("web/", ""), ("web/app.js", "//"), ("pyproject.toml", "[project]\n"));
        var target = Target();

        var names = await SafeZipExtractor.ExtractAsync(zip, target, CancellationToken.None);

        Assert.Equal(["__init__.py", "web/", "web/app.js", "pyproject.toml"], names);
        Assert.Equal("x = 1\n", File.ReadAllText(Path.Combine(target, "__init__.py")));
        Assert.Equal("//", File.ReadAllText(Path.Combine(target, "web", "app.js")));
        Assert.Equal("__init__.py\nweb/\nweb/app.js\npyproject.toml", File.ReadAllText(Path.Combine(target, ".tracking")));
    }

    [Theory]
    [InlineData("../evil.py")]
    [InlineData("ok/../../evil.py")]
    [InlineData("/etc/evil.py")]
    [InlineData("..\\evil.py")]
    [InlineData("C:/evil.py")]
    [InlineData("a/./b.py")]
    [InlineData(".tracking")]
    public async Task An_escaping_entry_refuses_the_whole_archive_and_extracts_nothing(string name)
    {
        var zip = WriteZip(("__init__.py", "x = 1\n"), (name, "boom"));
        var target = Target();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            SafeZipExtractor.ExtractAsync(zip, target, CancellationToken.None)
        );

        Assert.Contains("nothing was extracted", error.Message, StringComparison.Ordinal);
        Assert.Contains("pack.zip", error.Message, StringComparison.Ordinal);
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(_sandbox.Combine("out"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.False(File.Exists(_sandbox.Combine("evil.py")));
    }

    [Fact]
    public async Task A_symlink_entry_is_refused()
    {
        var path = _sandbox.Combine("link.zip");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var entry = archive.CreateEntry("link");
            entry.ExternalAttributes = unchecked((int)0xA1FF0000);
            using var stream = entry.Open();
            stream.Write(Encoding.UTF8.GetBytes("/etc/passwd"));
        }

        var target = Target();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            SafeZipExtractor.ExtractAsync(path, target, CancellationToken.None)
        );

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public async Task Duplicate_names_differing_in_case_are_refused()
    {
        var zip = WriteZip(("Node.py", "a"), ("node.py", "b"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            SafeZipExtractor.ExtractAsync(zip, Target(), CancellationToken.None)
        );

        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_an_invalid_data_error()
    {
        var path = _sandbox.Combine("bad.zip");
        File.WriteAllText(path, "this is not a zip");

        await Assert.ThrowsAsync<InvalidDataException>(() => SafeZipExtractor.ExtractAsync(path, Target(), CancellationToken.None));
    }
}
