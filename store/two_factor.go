package store

import (
	"context"
	"fmt"
)

// TwoFactor is what the owner's second factors are: an authenticator app,
// passkeys, and the recovery codes left.
type TwoFactor struct {
	TOTP          bool
	Passkeys      int
	RecoveryCodes int
}

// On reports whether signing in takes a second factor.
func (t TwoFactor) On() bool { return t.TOTP || t.Passkeys > 0 }

// TwoFactor reports the owner's second factors.
func (db *DB) TwoFactor(ctx context.Context) (TwoFactor, error) {
	var t TwoFactor
	err := db.read.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM totp),
		(SELECT COUNT(*) FROM passkeys),
		(SELECT COUNT(*) FROM recovery_codes)`).Scan(&t.TOTP, &t.Passkeys, &t.RecoveryCodes)
	if err != nil {
		return TwoFactor{}, fmt.Errorf("two-factor status: %w", err)
	}
	return t, nil
}

// TOTPSecret returns the TOTP secret, or ErrNotFound while TOTP is off.
func (db *DB) TOTPSecret(ctx context.Context) (string, error) {
	var secret string
	if err := db.read.QueryRowContext(ctx, `SELECT secret FROM totp WHERE id = 1`).Scan(&secret); err != nil {
		return "", notFound(err, "totp")
	}
	return secret, nil
}

// EnableTOTP turns TOTP on with secret, recording step (the step of the
// code that confirmed it) as used, and replaces the recovery codes with
// codeHashes.
func (tx *Tx) EnableTOTP(ctx context.Context, secret string, step int64, codeHashes [][]byte) error {
	_, err := tx.exec(ctx, `INSERT INTO totp (id, secret, last_step, created_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, last_step = excluded.last_step, created_at = excluded.created_at`,
		secret, step, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("enable totp: %w", err)
	}
	return tx.ReplaceRecoveryCodes(ctx, codeHashes)
}

// UseTOTPStep records that a code of step was accepted. It reports false,
// changing nothing, when a code of that step or a later one was accepted
// before: the code is a replay.
func (tx *Tx) UseTOTPStep(ctx context.Context, step int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE totp SET last_step = ? WHERE id = 1 AND last_step < ?`, step, step)
	if err != nil {
		return false, fmt.Errorf("use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DisableTOTP turns TOTP off. The recovery codes go too unless passkeys
// remain, which they also stand in for.
func (tx *Tx) DisableTOTP(ctx context.Context) error {
	if _, err := tx.exec(ctx, `DELETE FROM totp`); err != nil {
		return fmt.Errorf("disable totp: %w", err)
	}
	return tx.dropUnusedRecoveryCodes(ctx)
}

// ReplaceRecoveryCodes replaces every recovery code with codeHashes.
func (tx *Tx) ReplaceRecoveryCodes(ctx context.Context, codeHashes [][]byte) error {
	if _, err := tx.exec(ctx, `DELETE FROM recovery_codes`); err != nil {
		return fmt.Errorf("replace recovery codes: %w", err)
	}
	for _, h := range codeHashes {
		if _, err := tx.exec(ctx, `INSERT INTO recovery_codes (code_hash, created_at) VALUES (?, ?)`, h, unixMilli(tx.now)); err != nil {
			return fmt.Errorf("replace recovery codes: %w", err)
		}
	}
	return nil
}

// UseRecoveryCode spends the recovery code with hash codeHash, reporting
// false when there is none (wrong, or used already).
func (tx *Tx) UseRecoveryCode(ctx context.Context, codeHash []byte) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE code_hash = ?`, codeHash)
	if err != nil {
		return false, fmt.Errorf("use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DisableTwoFactor removes every second factor (TOTP, recovery codes,
// passkeys) and the sign-ins in progress: the way back in for an owner who
// lost them. It returns what there was.
func (tx *Tx) DisableTwoFactor(ctx context.Context) (TwoFactor, error) {
	var t TwoFactor
	err := tx.queryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM totp),
		(SELECT COUNT(*) FROM passkeys),
		(SELECT COUNT(*) FROM recovery_codes)`).Scan(&t.TOTP, &t.Passkeys, &t.RecoveryCodes)
	if err != nil {
		return TwoFactor{}, fmt.Errorf("disable two-factor: %w", err)
	}
	for _, table := range []string{"totp", "recovery_codes", "passkeys", "auth_challenges"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table); err != nil {
			return TwoFactor{}, fmt.Errorf("disable two-factor: %s: %w", table, err)
		}
	}
	return t, nil
}

// dropUnusedRecoveryCodes deletes the recovery codes once no second
// factor is left for them to replace.
func (tx *Tx) dropUnusedRecoveryCodes(ctx context.Context) error {
	_, err := tx.exec(ctx, `DELETE FROM recovery_codes
		WHERE NOT EXISTS (SELECT 1 FROM totp) AND NOT EXISTS (SELECT 1 FROM passkeys)`)
	if err != nil {
		return fmt.Errorf("drop recovery codes: %w", err)
	}
	return nil
}
