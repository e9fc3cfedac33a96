using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Audit;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;

namespace ComfyDoctor.Server.Workers;

/// <summary>
/// How a worker joins and introduces itself: enrolment with the enroll token (once; its credential is stored only as a
/// hash, wrong tokens counted by <see cref="EnrollmentGuard"/>), then a hello at every agent start (its build, where its
/// blob server listens; the answer is its blob-signing key).
/// </summary>
public sealed class WorkerEnrollment(ComfyDoctorDb db, Secrets secrets, AuditTrail audit, EnrollmentGuard guard, BlobKeys keys)
{
    public async Task<Outcome<EnrollResponse>> EnrollAsync(EnrollRequest request, string address, CancellationToken ct)
    {
        if (guard.IsBlocked(address))
        {
            return ProblemTypes.EnrolmentThrottled.Because("too many wrong enroll tokens from this address; try again in a minute");
        }

        if (!SecretComparison.Matches(request.EnrollToken, secrets.EnrollToken))
        {
            await guard.RefusedAsync(address, request.Name, audit, ct);
            return ProblemTypes.WrongEnrollToken.Because("wrong enroll token");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 128 || request.Name.Any(char.IsControl))
        {
            return ProblemTypes.InvalidEnrolment.Of("name", "name must be 1 to 128 printable characters");
        }

        if (
            request.Tags is { } tags
            && (
                tags.Count > 32
                || tags.Any(t =>
                    string.IsNullOrWhiteSpace(t) || t.Length > 64 || t.Contains(',', StringComparison.Ordinal) || t.Any(char.IsControl)
                )
            )
        )
        {
            return ProblemTypes.InvalidEnrolment.Of("tags", "tags: at most 32, each 1 to 64 printable characters without commas");
        }

        if (await db.Workers.AnyAsync(w => w.Name == request.Name, ct))
        {
            return ProblemTypes.WorkerExists.Because($"a worker named '{request.Name}' is already enrolled");
        }

        var credential = Secrets.NewToken();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var worker = new WorkerRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Name = request.Name,
            Tags = string.Join(',', request.Tags ?? []),
            CredentialHash = Secrets.HashCredential(credential),
            EnrolledAt = now,
            LastSeenAt = now,
            AutoRepair = request.AutoRepair,
        };
        db.Workers.Add(worker);
        await audit.AppendAsync(
            "agent:" + request.Name,
            "worker.enroll",
            request.Name,
            $"tags={worker.Tags} auto-repair={request.AutoRepair}",
            "ok",
            ct
        );
        return new EnrollResponse(worker.Id, credential);
    }

    /// <summary>Stores the agent's build and listen address; the answer is the worker's blob-signing key (made at its first
    /// hello).</summary>
    public async Task<Outcome<AgentWelcome>> HelloAsync(string workerId, AgentHello hello, CancellationToken ct)
    {
        if (
            hello.ListenUrl is { } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url.Length > 512)
        )
        {
            return ProblemTypes.InvalidHello.Of("listenUrl", "listenUrl must be an absolute http(s) URL");
        }

        if (BuildProblem(hello) is { } problem)
        {
            return problem;
        }

        var worker = await db.Workers.FirstAsync(w => w.Id == workerId, ct);
        worker.ListenUrl = hello.ListenUrl;
        (worker.AgentVersion, worker.AgentCommit, worker.AgentOs, worker.AgentArch) = (hello.Version, hello.Commit, hello.Os, hello.Arch);
        worker.BlobKey ??= keys.New(worker.Id); // stored protected: the database alone yields no key
        await db.SaveChangesAsync(ct);
        return new AgentWelcome(keys.Reveal(worker.Id, worker.BlobKey)) { Accepts = [ServerFeatures.InventoryDelta] };
    }

    /// <summary>Version, commit, OS and architecture are short words (at most 64 of letters, digits and <c>.-_+</c>), or absent.</summary>
    private static Refusal? BuildProblem(AgentHello hello) =>
        new[] { ("version", hello.Version), ("commit", hello.Commit), ("os", hello.Os), ("arch", hello.Arch) }
            .Where(f =>
                f.Item2 is { } v && (v.Length is 0 or > 64 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+'))
            )
            .Select(f => ProblemTypes.InvalidHello.Of(f.Item1, $"{f.Item1} must be 1 to 64 letters, digits or . - _ +"))
            .FirstOrDefault();
}
