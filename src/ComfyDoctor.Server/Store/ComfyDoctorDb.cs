using Microsoft.EntityFrameworkCore;

namespace ComfyDoctor.Server.Store;

/// <summary>The control plane's store. The schema comes from the versioned SQL migrations; this maps onto it.</summary>
public sealed class ComfyDoctorDb(DbContextOptions<ComfyDoctorDb> options) : DbContext(options)
{
    public DbSet<WorkerRow> Workers => Set<WorkerRow>();
    public DbSet<JobRow> Jobs => Set<JobRow>();
    public DbSet<ScanRow> Scans => Set<ScanRow>();
    public DbSet<ModelChecksumRow> ModelChecksums => Set<ModelChecksumRow>();
    public DbSet<AuditRow> Audit => Set<AuditRow>();
    public DbSet<WorkflowRow> Workflows => Set<WorkflowRow>();
    public DbSet<ScheduleRow> Schedules => Set<ScheduleRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WorkerRow>(e =>
        {
            e.ToTable("workers").HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Tags).HasColumnName("tags");
            e.Property(x => x.CredentialHash).HasColumnName("credential_hash");
            e.Property(x => x.EnrolledAt).HasColumnName("enrolled_at");
            e.Property(x => x.LastSeenAt).HasColumnName("last_seen_at");
        });
        modelBuilder.Entity<JobRow>(e =>
        {
            e.ToTable("jobs").HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.WorkerId).HasColumnName("worker_id");
            e.Property(x => x.Kind).HasColumnName("kind");
            e.Property(x => x.PayloadJson).HasColumnName("payload_json");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.LeaseUntil).HasColumnName("lease_until");
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.ProgressJson).HasColumnName("progress_json");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            e.HasOne<WorkerRow>().WithMany().HasForeignKey(x => x.WorkerId);
        });
        modelBuilder.Entity<ScanRow>(e =>
        {
            e.ToTable("integrity_scans").HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.WorkerId).HasColumnName("worker_id");
            e.Property(x => x.JobId).HasColumnName("job_id");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Deep).HasColumnName("deep");
            e.Property(x => x.RequestedAt).HasColumnName("requested_at");
            e.Property(x => x.ScannedAt).HasColumnName("scanned_at");
            e.Property(x => x.ResultsJson).HasColumnName("results_json");
            e.HasOne<WorkerRow>().WithMany().HasForeignKey(x => x.WorkerId);
            e.HasOne<JobRow>().WithMany().HasForeignKey(x => x.JobId);
        });
        modelBuilder.Entity<ModelChecksumRow>(e =>
        {
            e.ToTable("model_checksums").HasKey(x => x.Identity);
            e.Property(x => x.Identity).HasColumnName("identity");
            e.Property(x => x.Sha256).HasColumnName("sha256");
            e.Property(x => x.Size).HasColumnName("size");
            e.Property(x => x.UrlsJson).HasColumnName("urls_json");
        });
        modelBuilder.Entity<WorkflowRow>(e =>
        {
            e.ToTable("workflows").HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Name).HasColumnName("name");
            e.Property(x => x.Json).HasColumnName("json");
            e.Property(x => x.RequirementsJson).HasColumnName("requirements_json");
            e.Property(x => x.AddedAt).HasColumnName("added_at");
        });
        modelBuilder.Entity<ScheduleRow>(e =>
        {
            e.ToTable("schedules").HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Cron).HasColumnName("cron");
            e.Property(x => x.Deep).HasColumnName("deep");
            e.Property(x => x.NextRun).HasColumnName("next_run");
            e.Property(x => x.LastRun).HasColumnName("last_run");
        });
        modelBuilder.Entity<AuditRow>(e =>
        {
            e.ToTable("audit_log").HasKey(x => x.Seq);
            e.Property(x => x.Seq).HasColumnName("seq").ValueGeneratedOnAdd();
            e.Property(x => x.At).HasColumnName("at");
            e.Property(x => x.Actor).HasColumnName("actor");
            e.Property(x => x.Action).HasColumnName("action");
            e.Property(x => x.Target).HasColumnName("target");
            e.Property(x => x.Parameters).HasColumnName("parameters");
            e.Property(x => x.Outcome).HasColumnName("outcome");
            e.Property(x => x.PrevHash).HasColumnName("prev_hash");
            e.Property(x => x.Hash).HasColumnName("hash");
        });
    }
}
