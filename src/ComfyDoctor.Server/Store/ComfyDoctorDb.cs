using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;

namespace ComfyDoctor.Server.Store;

/// <summary>The control plane's store. The schema comes from the versioned SQL migrations; this maps onto it.</summary>
public sealed class ComfyDoctorDb(DbContextOptions<ComfyDoctorDb> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The dashboard's session keys (migration 009), shared by every replica on the database; sealed under the master
    /// key.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<WorkerRow> Workers => Set<WorkerRow>();
    public DbSet<JobRow> Jobs => Set<JobRow>();
    public DbSet<ScanRow> Scans => Set<ScanRow>();
    public DbSet<ScanModelRow> ScanModels => Set<ScanModelRow>();
    public DbSet<ScanFindingRow> ScanFindings => Set<ScanFindingRow>();
    public DbSet<ModelChecksumRow> ModelChecksums => Set<ModelChecksumRow>();
    public DbSet<AuditRow> Audit => Set<AuditRow>();
    public DbSet<WorkflowRow> Workflows => Set<WorkflowRow>();
    public DbSet<ScheduleRow> Schedules => Set<ScheduleRow>();
    public DbSet<RepairPlanRow> RepairPlans => Set<RepairPlanRow>();
    public DbSet<RelayTransferRow> RelayTransfers => Set<RelayTransferRow>();
    public DbSet<RelayChunkRow> RelayChunks => Set<RelayChunkRow>();
    public DbSet<Catalog.CatalogFileRow> CatalogFiles => Set<Catalog.CatalogFileRow>();
    public DbSet<Catalog.CatalogStateRow> CatalogState => Set<Catalog.CatalogStateRow>();
    public DbSet<Snapshots.SnapshotRow> Snapshots => Set<Snapshots.SnapshotRow>();
    public DbSet<Catalog.WorkerPackNodesRow> WorkerPackNodes => Set<Catalog.WorkerPackNodesRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Tables and keys here; every column is the snake_case of its property (see ApplySnakeCaseColumns).
        modelBuilder.Entity<WorkerRow>().ToTable("workers").HasKey(x => x.Id);
        modelBuilder.Entity<JobRow>(e =>
        {
            e.ToTable("jobs").HasKey(x => x.Id);
            e.HasOne<WorkerRow>().WithMany().HasForeignKey(x => x.WorkerId);
        });
        modelBuilder.Entity<ScanRow>(e =>
        {
            e.ToTable("integrity_scans").HasKey(x => x.Id);
            e.HasOne<WorkerRow>().WithMany().HasForeignKey(x => x.WorkerId);
            e.HasOne<JobRow>().WithMany().HasForeignKey(x => x.JobId);
        });
        modelBuilder.Entity<ScanModelRow>(e =>
        {
            e.ToTable("scan_models").HasKey(x => new { x.ScanId, x.Seq });
            e.HasOne<ScanRow>().WithMany().HasForeignKey(x => x.ScanId);
        });
        modelBuilder.Entity<ScanFindingRow>(e =>
        {
            e.ToTable("scan_findings").HasKey(x => new { x.ScanId, x.Seq });
            e.HasOne<ScanRow>().WithMany().HasForeignKey(x => x.ScanId);
        });
        modelBuilder.Entity<ModelChecksumRow>().ToTable("model_checksums").HasKey(x => x.Identity);
        modelBuilder.Entity<WorkflowRow>().ToTable("workflows").HasKey(x => x.Id);
        modelBuilder.Entity<ScheduleRow>().ToTable("schedules").HasKey(x => x.Id);
        modelBuilder.Entity<RepairPlanRow>(e =>
        {
            e.ToTable("repair_plans").HasKey(x => x.Id);
            e.Property(x => x.RepairId).IsConcurrencyToken(); // confirmed once
        });
        modelBuilder.Entity<RelayTransferRow>().ToTable("relay_transfers").HasKey(x => x.Id);
        modelBuilder.Entity<RelayChunkRow>().ToTable("relay_chunks").HasKey(x => new { x.RelayId, x.Seq });
        modelBuilder.Entity<Catalog.CatalogFileRow>().ToTable("node_catalog_files").HasKey(x => x.File);
        modelBuilder.Entity<Catalog.CatalogStateRow>().ToTable("node_catalog_state").HasKey(x => x.Id);
        modelBuilder.Entity<Snapshots.SnapshotRow>(e =>
        {
            e.ToTable("snapshots").HasKey(x => new { x.Scope, x.Name });
            e.Ignore(x => x.Label);
        });
        modelBuilder
            .Entity<Catalog.WorkerPackNodesRow>()
            .ToTable("worker_pack_nodes")
            .HasKey(x => new
            {
                x.WorkerId,
                x.Source,
                x.Folder,
            });
        modelBuilder.Entity<AuditRow>(e =>
        {
            e.ToTable("audit_log").HasKey(x => x.Seq);
            e.Property(x => x.Seq).ValueGeneratedOnAdd();
        });
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys").HasKey(x => x.Id);
        ApplySnakeCaseColumns(modelBuilder);
        modelBuilder.Entity<RelayTransferRow>().Property(x => x.AliveAt).HasColumnName("created_at"); // the download's lease
    }

    /// <summary><c>CredentialHash</c> → <c>credential_hash</c>: the column names the SQL migrations use.</summary>
    private static void ApplySnakeCaseColumns(ModelBuilder modelBuilder)
    {
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            property.SetColumnName(
                string.Concat(
                    property.Name.Select(
                        (c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()
                    )
                )
            );
        }
    }
}
