using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ComfyDoctor.Tests.Support;

/// <summary>
/// Writes pure-Python wheels byte by byte (METADATA, WHEEL, RECORD with real hashes), so pip can install them with
/// <c>--no-index --find-links</c> and nothing is ever fetched.
/// </summary>
public static class WheelBuilder
{
    /// <summary>Builds <c>{name}-{version}-py3-none-any.whl</c> in <paramref name="folder"/>; the module is <c>{name}</c>.</summary>
    public static string Build(string folder, string name, string version, params string[] requires)
    {
        Directory.CreateDirectory(folder);
        var dist = name.Replace('-', '_');
        var info = $"{dist}-{version}.dist-info";
        var files = new List<(string Path, byte[] Bytes)>
        {
            ($"{dist}/__init__.py", Utf8($"__version__ = \"{version}\"\n")),
            (
                $"{info}/METADATA",
                Utf8(
                    $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                        + string.Concat(requires.Select(r => $"Requires-Dist: {r}\n"))
                )
            ),
            ($"{info}/WHEEL", Utf8("Wheel-Version: 1.0\nGenerator: comfydoctor-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")),
        };
        var record = new StringBuilder();
        foreach (var (path, bytes) in files)
        {
            var hash = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append(path).Append(",sha256=").Append(hash).Append(',').Append(bytes.Length).Append('\n');
        }

        record.Append(info).Append("/RECORD,,\n");
        files.Add(($"{info}/RECORD", Utf8(record.ToString())));

        var wheel = Path.Combine(folder, $"{dist}-{version}-py3-none-any.whl");
        using var zip = ZipFile.Open(wheel, ZipArchiveMode.Create);
        foreach (var (path, bytes) in files)
        {
            using var stream = zip.CreateEntry(path).Open();
            stream.Write(bytes);
        }

        return wheel;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
