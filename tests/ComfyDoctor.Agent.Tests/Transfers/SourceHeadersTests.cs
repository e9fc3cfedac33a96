using ComfyDoctor.Agent.Transfers;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Tests.Transfers;

public sealed class SourceHeadersTests
{
    [Fact]
    public void Gated_host_headers_go_to_that_host_over_https_only()
    {
        var file = Path.Combine(Path.GetTempPath(), "cdheaders-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        File.WriteAllText(file, """{"huggingface.co": {"Authorization": "Bearer hf_secret"}, "127.0.0.1": {"X-Key": "k"}}""");
        try
        {
            var headers = SourceHeaders.Load(file);
            Assert.Equal("Bearer hf_secret", headers.For(new Uri("https://huggingface.co/x/y.safetensors"))["Authorization"]);
            Assert.Empty(headers.For(new Uri("http://huggingface.co/x/y.safetensors"))); // never in clear text
            Assert.Empty(headers.For(new Uri("https://evil.example/huggingface.co")));
            Assert.Empty(headers.For(new Uri("https://huggingface.co.evil.example/x")));
            Assert.Equal("k", headers.For(new Uri("http://127.0.0.1:8080/m"))["X-Key"]); // a loopback test source

            var located = Assert.Single(
                SourceLocator
                    .Plain(headers)
                    .Locate(new ModelSource(ModelSourceKinds.Url, "huggingface.co", "https://huggingface.co/m.safetensors"))
            );
            Assert.Equal("Bearer hf_secret", located.Headers["Authorization"]);
            Assert.DoesNotContain("hf_secret", located.ToString(), StringComparison.Ordinal); // what reports and logs print
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_malformed_headers_file_is_a_clear_error()
    {
        var file = Path.Combine(Path.GetTempPath(), "cdheaders-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        File.WriteAllText(file, """{"huggingface.co": "Bearer x"}""");
        try
        {
            Assert.Contains(file, Assert.Throws<InvalidDataException>(() => SourceHeaders.Load(file)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Peers_are_reached_directly_with_their_token_then_through_the_relay_by_hash_only()
    {
        var sha = new string('a', 64);
        var locator = new SourceLocator(
            SourceHeaders.None,
            [new PeerEndpoint("w2", "http://10.0.0.2:8471/", "token-w2")],
            new Uri("http://server:8470/"),
            "cred"
        );
        var candidates = locator.Locate(new ModelSource(ModelSourceKinds.Peer, "w2", sha)).ToList();
        Assert.Equal(
            [$"http://10.0.0.2:8471/blobs/{sha}", $"http://server:8470/agent/v1/blobs/{sha}?from=w2"],
            candidates.Select(c => c.Uri.ToString())
        );
        Assert.Equal(["Bearer token-w2", "Bearer cred"], candidates.Select(c => c.Headers["Authorization"]));
        Assert.Empty(locator.Locate(new ModelSource(ModelSourceKinds.Peer, "w2", "../../etc/passwd")));
        Assert.Empty(SourceLocator.Plain(SourceHeaders.None).Locate(new ModelSource(ModelSourceKinds.Url, "x", "ftp://x/y")));
    }
}
