namespace Doppel.Jobs.Persons;

/// <summary>What embedding the catalog's faces under one model did: faces that lacked a vector,
/// those given one, and those left without because their file is gone, unreadable or changed.</summary>
public sealed record EmbedMissingOutcome(int Missing, int Embedded, int Skipped);
