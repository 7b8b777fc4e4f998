#include "textflag.h"

DATA cabsmask<>+0(SB)/4, $0x7fffffff
DATA cabsmask<>+4(SB)/4, $0x7fffffff
DATA cabsmask<>+8(SB)/4, $0x7fffffff
DATA cabsmask<>+12(SB)/4, $0x7fffffff
DATA cabsmask<>+16(SB)/4, $0x7fffffff
DATA cabsmask<>+20(SB)/4, $0x7fffffff
DATA cabsmask<>+24(SB)/4, $0x7fffffff
DATA cabsmask<>+28(SB)/4, $0x7fffffff
GLOBL cabsmask<>(SB), RODATA|NOPTR, $32

DATA csignmask<>+0(SB)/4, $0x80000000
DATA csignmask<>+4(SB)/4, $0x80000000
DATA csignmask<>+8(SB)/4, $0x80000000
DATA csignmask<>+12(SB)/4, $0x80000000
DATA csignmask<>+16(SB)/4, $0x80000000
DATA csignmask<>+20(SB)/4, $0x80000000
DATA csignmask<>+24(SB)/4, $0x80000000
DATA csignmask<>+28(SB)/4, $0x80000000
GLOBL csignmask<>(SB), RODATA|NOPTR, $32

DATA cone<>+0(SB)/4, $0x3f800000
DATA cone<>+4(SB)/4, $0x3f800000
DATA cone<>+8(SB)/4, $0x3f800000
DATA cone<>+12(SB)/4, $0x3f800000
DATA cone<>+16(SB)/4, $0x3f800000
DATA cone<>+20(SB)/4, $0x3f800000
DATA cone<>+24(SB)/4, $0x3f800000
DATA cone<>+28(SB)/4, $0x3f800000
GLOBL cone<>(SB), RODATA|NOPTR, $32

DATA ctwo<>+0(SB)/4, $0x40000000
DATA ctwo<>+4(SB)/4, $0x40000000
DATA ctwo<>+8(SB)/4, $0x40000000
DATA ctwo<>+12(SB)/4, $0x40000000
DATA ctwo<>+16(SB)/4, $0x40000000
DATA ctwo<>+20(SB)/4, $0x40000000
DATA ctwo<>+24(SB)/4, $0x40000000
DATA ctwo<>+28(SB)/4, $0x40000000
GLOBL ctwo<>(SB), RODATA|NOPTR, $32

DATA chalf<>+0(SB)/4, $0x3f000000
DATA chalf<>+4(SB)/4, $0x3f000000
DATA chalf<>+8(SB)/4, $0x3f000000
DATA chalf<>+12(SB)/4, $0x3f000000
DATA chalf<>+16(SB)/4, $0x3f000000
DATA chalf<>+20(SB)/4, $0x3f000000
DATA chalf<>+24(SB)/4, $0x3f000000
DATA chalf<>+28(SB)/4, $0x3f000000
GLOBL chalf<>(SB), RODATA|NOPTR, $32

DATA csmall<>+0(SB)/4, $0x3ecccccd
DATA csmall<>+4(SB)/4, $0x3ecccccd
DATA csmall<>+8(SB)/4, $0x3ecccccd
DATA csmall<>+12(SB)/4, $0x3ecccccd
DATA csmall<>+16(SB)/4, $0x3ecccccd
DATA csmall<>+20(SB)/4, $0x3ecccccd
DATA csmall<>+24(SB)/4, $0x3ecccccd
DATA csmall<>+28(SB)/4, $0x3ecccccd
GLOBL csmall<>(SB), RODATA|NOPTR, $32

DATA ctmax<>+0(SB)/4, $0x4191999a
DATA ctmax<>+4(SB)/4, $0x4191999a
DATA ctmax<>+8(SB)/4, $0x4191999a
DATA ctmax<>+12(SB)/4, $0x4191999a
DATA ctmax<>+16(SB)/4, $0x4191999a
DATA ctmax<>+20(SB)/4, $0x4191999a
DATA ctmax<>+24(SB)/4, $0x4191999a
DATA ctmax<>+28(SB)/4, $0x4191999a
GLOBL ctmax<>(SB), RODATA|NOPTR, $32

DATA clog2e<>+0(SB)/4, $0x3fb8aa3b
DATA clog2e<>+4(SB)/4, $0x3fb8aa3b
DATA clog2e<>+8(SB)/4, $0x3fb8aa3b
DATA clog2e<>+12(SB)/4, $0x3fb8aa3b
DATA clog2e<>+16(SB)/4, $0x3fb8aa3b
DATA clog2e<>+20(SB)/4, $0x3fb8aa3b
DATA clog2e<>+24(SB)/4, $0x3fb8aa3b
DATA clog2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL clog2e<>(SB), RODATA|NOPTR, $32

DATA cln2hi<>+0(SB)/4, $0x3f317200
DATA cln2hi<>+4(SB)/4, $0x3f317200
DATA cln2hi<>+8(SB)/4, $0x3f317200
DATA cln2hi<>+12(SB)/4, $0x3f317200
DATA cln2hi<>+16(SB)/4, $0x3f317200
DATA cln2hi<>+20(SB)/4, $0x3f317200
DATA cln2hi<>+24(SB)/4, $0x3f317200
DATA cln2hi<>+28(SB)/4, $0x3f317200
GLOBL cln2hi<>(SB), RODATA|NOPTR, $32

DATA cln2lo<>+0(SB)/4, $0x35bfbe8e
DATA cln2lo<>+4(SB)/4, $0x35bfbe8e
DATA cln2lo<>+8(SB)/4, $0x35bfbe8e
DATA cln2lo<>+12(SB)/4, $0x35bfbe8e
DATA cln2lo<>+16(SB)/4, $0x35bfbe8e
DATA cln2lo<>+20(SB)/4, $0x35bfbe8e
DATA cln2lo<>+24(SB)/4, $0x35bfbe8e
DATA cln2lo<>+28(SB)/4, $0x35bfbe8e
GLOBL cln2lo<>(SB), RODATA|NOPTR, $32

DATA ce7<>+0(SB)/4, $0x39500d01
DATA ce7<>+4(SB)/4, $0x39500d01
DATA ce7<>+8(SB)/4, $0x39500d01
DATA ce7<>+12(SB)/4, $0x39500d01
DATA ce7<>+16(SB)/4, $0x39500d01
DATA ce7<>+20(SB)/4, $0x39500d01
DATA ce7<>+24(SB)/4, $0x39500d01
DATA ce7<>+28(SB)/4, $0x39500d01
GLOBL ce7<>(SB), RODATA|NOPTR, $32

DATA ce6<>+0(SB)/4, $0x3ab60b61
DATA ce6<>+4(SB)/4, $0x3ab60b61
DATA ce6<>+8(SB)/4, $0x3ab60b61
DATA ce6<>+12(SB)/4, $0x3ab60b61
DATA ce6<>+16(SB)/4, $0x3ab60b61
DATA ce6<>+20(SB)/4, $0x3ab60b61
DATA ce6<>+24(SB)/4, $0x3ab60b61
DATA ce6<>+28(SB)/4, $0x3ab60b61
GLOBL ce6<>(SB), RODATA|NOPTR, $32

DATA ce5<>+0(SB)/4, $0x3c088889
DATA ce5<>+4(SB)/4, $0x3c088889
DATA ce5<>+8(SB)/4, $0x3c088889
DATA ce5<>+12(SB)/4, $0x3c088889
DATA ce5<>+16(SB)/4, $0x3c088889
DATA ce5<>+20(SB)/4, $0x3c088889
DATA ce5<>+24(SB)/4, $0x3c088889
DATA ce5<>+28(SB)/4, $0x3c088889
GLOBL ce5<>(SB), RODATA|NOPTR, $32

DATA ce4<>+0(SB)/4, $0x3d2aaaab
DATA ce4<>+4(SB)/4, $0x3d2aaaab
DATA ce4<>+8(SB)/4, $0x3d2aaaab
DATA ce4<>+12(SB)/4, $0x3d2aaaab
DATA ce4<>+16(SB)/4, $0x3d2aaaab
DATA ce4<>+20(SB)/4, $0x3d2aaaab
DATA ce4<>+24(SB)/4, $0x3d2aaaab
DATA ce4<>+28(SB)/4, $0x3d2aaaab
GLOBL ce4<>(SB), RODATA|NOPTR, $32

DATA ce3<>+0(SB)/4, $0x3e2aaaab
DATA ce3<>+4(SB)/4, $0x3e2aaaab
DATA ce3<>+8(SB)/4, $0x3e2aaaab
DATA ce3<>+12(SB)/4, $0x3e2aaaab
DATA ce3<>+16(SB)/4, $0x3e2aaaab
DATA ce3<>+20(SB)/4, $0x3e2aaaab
DATA ce3<>+24(SB)/4, $0x3e2aaaab
DATA ce3<>+28(SB)/4, $0x3e2aaaab
GLOBL ce3<>(SB), RODATA|NOPTR, $32

DATA ct11<>+0(SB)/4, $0xbc11371b
DATA ct11<>+4(SB)/4, $0xbc11371b
DATA ct11<>+8(SB)/4, $0xbc11371b
DATA ct11<>+12(SB)/4, $0xbc11371b
DATA ct11<>+16(SB)/4, $0xbc11371b
DATA ct11<>+20(SB)/4, $0xbc11371b
DATA ct11<>+24(SB)/4, $0xbc11371b
DATA ct11<>+28(SB)/4, $0xbc11371b
GLOBL ct11<>(SB), RODATA|NOPTR, $32

DATA ct9<>+0(SB)/4, $0x3cb327a4
DATA ct9<>+4(SB)/4, $0x3cb327a4
DATA ct9<>+8(SB)/4, $0x3cb327a4
DATA ct9<>+12(SB)/4, $0x3cb327a4
DATA ct9<>+16(SB)/4, $0x3cb327a4
DATA ct9<>+20(SB)/4, $0x3cb327a4
DATA ct9<>+24(SB)/4, $0x3cb327a4
DATA ct9<>+28(SB)/4, $0x3cb327a4
GLOBL ct9<>(SB), RODATA|NOPTR, $32

DATA ct7<>+0(SB)/4, $0xbd5d0dd1
DATA ct7<>+4(SB)/4, $0xbd5d0dd1
DATA ct7<>+8(SB)/4, $0xbd5d0dd1
DATA ct7<>+12(SB)/4, $0xbd5d0dd1
DATA ct7<>+16(SB)/4, $0xbd5d0dd1
DATA ct7<>+20(SB)/4, $0xbd5d0dd1
DATA ct7<>+24(SB)/4, $0xbd5d0dd1
DATA ct7<>+28(SB)/4, $0xbd5d0dd1
GLOBL ct7<>(SB), RODATA|NOPTR, $32

DATA ct5<>+0(SB)/4, $0x3e088889
DATA ct5<>+4(SB)/4, $0x3e088889
DATA ct5<>+8(SB)/4, $0x3e088889
DATA ct5<>+12(SB)/4, $0x3e088889
DATA ct5<>+16(SB)/4, $0x3e088889
DATA ct5<>+20(SB)/4, $0x3e088889
DATA ct5<>+24(SB)/4, $0x3e088889
DATA ct5<>+28(SB)/4, $0x3e088889
GLOBL ct5<>(SB), RODATA|NOPTR, $32

DATA ct3<>+0(SB)/4, $0xbeaaaaab
DATA ct3<>+4(SB)/4, $0xbeaaaaab
DATA ct3<>+8(SB)/4, $0xbeaaaaab
DATA ct3<>+12(SB)/4, $0xbeaaaaab
DATA ct3<>+16(SB)/4, $0xbeaaaaab
DATA ct3<>+20(SB)/4, $0xbeaaaaab
DATA ct3<>+24(SB)/4, $0xbeaaaaab
DATA ct3<>+28(SB)/4, $0xbeaaaaab
GLOBL ct3<>(SB), RODATA|NOPTR, $32

DATA cxmax<>+0(SB)/4, $0x42b00000
DATA cxmax<>+4(SB)/4, $0x42b00000
DATA cxmax<>+8(SB)/4, $0x42b00000
DATA cxmax<>+12(SB)/4, $0x42b00000
DATA cxmax<>+16(SB)/4, $0x42b00000
DATA cxmax<>+20(SB)/4, $0x42b00000
DATA cxmax<>+24(SB)/4, $0x42b00000
DATA cxmax<>+28(SB)/4, $0x42b00000
GLOBL cxmax<>(SB), RODATA|NOPTR, $32

DATA cxmin<>+0(SB)/4, $0xc2aeac4f
DATA cxmin<>+4(SB)/4, $0xc2aeac4f
DATA cxmin<>+8(SB)/4, $0xc2aeac4f
DATA cxmin<>+12(SB)/4, $0xc2aeac4f
DATA cxmin<>+16(SB)/4, $0xc2aeac4f
DATA cxmin<>+20(SB)/4, $0xc2aeac4f
DATA cxmin<>+24(SB)/4, $0xc2aeac4f
DATA cxmin<>+28(SB)/4, $0xc2aeac4f
GLOBL cxmin<>(SB), RODATA|NOPTR, $32

DATA cbias127<>+0(SB)/4, $0x7f
DATA cbias127<>+4(SB)/4, $0x7f
DATA cbias127<>+8(SB)/4, $0x7f
DATA cbias127<>+12(SB)/4, $0x7f
DATA cbias127<>+16(SB)/4, $0x7f
DATA cbias127<>+20(SB)/4, $0x7f
DATA cbias127<>+24(SB)/4, $0x7f
DATA cbias127<>+28(SB)/4, $0x7f
GLOBL cbias127<>(SB), RODATA|NOPTR, $32

// func tanhAVX2(dst, src *float32, n int)  (n a multiple of 8)
// Same method as tanh32: odd Taylor polynomial for |x| < 0.4, 1 − 2/(e^{2|x|}+1) with the
// sign restored elsewhere (2|x| capped at 18.2, where tanh is 1 in float32); NaN passes
// through (the last blend).
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ tdone
tloop:
	VMOVUPS (SI), Y0
	VANDPS cabsmask<>(SB), Y0, Y1
	VANDPS csignmask<>(SB), Y0, Y2
	VMULPS Y0, Y0, Y3
	VMOVUPS ct11<>(SB), Y4
	VFMADD213PS ct9<>(SB), Y3, Y4
	VFMADD213PS ct7<>(SB), Y3, Y4
	VFMADD213PS ct5<>(SB), Y3, Y4
	VFMADD213PS ct3<>(SB), Y3, Y4
	VMULPS Y3, Y4, Y4
	VFMADD213PS Y0, Y0, Y4
	VADDPS Y1, Y1, Y5
	VMINPS ctmax<>(SB), Y5, Y5
	VMULPS clog2e<>(SB), Y5, Y6
	VROUNDPS $0, Y6, Y6
	VMOVAPS Y5, Y7
	VFNMADD231PS cln2hi<>(SB), Y6, Y7
	VFNMADD231PS cln2lo<>(SB), Y6, Y7
	VMOVUPS ce7<>(SB), Y8
	VFMADD213PS ce6<>(SB), Y7, Y8
	VFMADD213PS ce5<>(SB), Y7, Y8
	VFMADD213PS ce4<>(SB), Y7, Y8
	VFMADD213PS ce3<>(SB), Y7, Y8
	VFMADD213PS chalf<>(SB), Y7, Y8
	VFMADD213PS cone<>(SB), Y7, Y8
	VFMADD213PS cone<>(SB), Y7, Y8
	VCVTPS2DQ Y6, Y9
	VPADDD cbias127<>(SB), Y9, Y9
	VPSLLD $23, Y9, Y9
	VMULPS Y9, Y8, Y8
	VADDPS cone<>(SB), Y8, Y8
	VMOVUPS ctwo<>(SB), Y10
	VDIVPS Y8, Y10, Y10
	VMOVUPS cone<>(SB), Y12
	VSUBPS Y10, Y12, Y10
	VORPS Y2, Y10, Y10
	VCMPPS $1, csmall<>(SB), Y1, Y11
	VBLENDVPS Y11, Y4, Y10, Y10
	VCMPPS $3, Y0, Y0, Y11
	VBLENDVPS Y11, Y0, Y10, Y10
	VMOVUPS Y10, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ tloop
tdone:
	VZEROUPPER
	RET

// func expAVX2(dst, src *float32, n int)  (n a multiple of 8)
// Same method as exp32, with the argument clamped to [−87.34, 88] (results below the
// smallest normal float32 come out as about 1e-38 instead of 0); NaN passes through.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ edone
eloop:
	VMOVUPS (SI), Y0
	VCMPPS $3, Y0, Y0, Y11
	VMOVAPS Y0, Y10
	VMINPS cxmax<>(SB), Y0, Y0
	VMAXPS cxmin<>(SB), Y0, Y0
	VMULPS clog2e<>(SB), Y0, Y6
	VROUNDPS $0, Y6, Y6
	VMOVAPS Y0, Y7
	VFNMADD231PS cln2hi<>(SB), Y6, Y7
	VFNMADD231PS cln2lo<>(SB), Y6, Y7
	VMOVUPS ce7<>(SB), Y8
	VFMADD213PS ce6<>(SB), Y7, Y8
	VFMADD213PS ce5<>(SB), Y7, Y8
	VFMADD213PS ce4<>(SB), Y7, Y8
	VFMADD213PS ce3<>(SB), Y7, Y8
	VFMADD213PS chalf<>(SB), Y7, Y8
	VFMADD213PS cone<>(SB), Y7, Y8
	VFMADD213PS cone<>(SB), Y7, Y8
	VCVTPS2DQ Y6, Y9
	VPADDD cbias127<>(SB), Y9, Y9
	VPSLLD $23, Y9, Y9
	VMULPS Y9, Y8, Y8
	VBLENDVPS Y11, Y10, Y8, Y8
	VMOVUPS Y8, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ eloop
edone:
	VZEROUPPER
	RET

// func adamAVX2(pp, gg, mm, vv *float32, n int, b1, b2, eps, stepSize, invSqrtBC2 float32)
// (n a multiple of 8): the Adam update without weight decay, as adamUpdate.
TEXT ·adamAVX2(SB), NOSPLIT, $0-60
	MOVQ pp+0(FP), DI
	MOVQ gg+8(FP), SI
	MOVQ mm+16(FP), R8
	MOVQ vv+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS b1+40(FP), Y10
	VBROADCASTSS b2+44(FP), Y11
	VBROADCASTSS eps+48(FP), Y12
	VBROADCASTSS stepSize+52(FP), Y13
	VBROADCASTSS invSqrtBC2+56(FP), Y14
	VMOVUPS cone<>(SB), Y15
	VSUBPS Y10, Y15, Y8
	VSUBPS Y11, Y15, Y9
	SHRQ $3, CX
	JZ adone
aloop:
	VMOVUPS (SI), Y0
	VMULPS (R8), Y10, Y1
	VFMADD231PS Y0, Y8, Y1
	VMOVUPS Y1, (R8)
	VMULPS Y0, Y0, Y2
	VMULPS (R9), Y11, Y3
	VFMADD231PS Y2, Y9, Y3
	VMOVUPS Y3, (R9)
	VSQRTPS Y3, Y3
	VMULPS Y14, Y3, Y3
	VADDPS Y12, Y3, Y3
	VDIVPS Y3, Y1, Y1
	VMOVUPS (DI), Y4
	VFNMADD231PS Y1, Y13, Y4
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ aloop
adone:
	VZEROUPPER
	RET

// func addToAVX2(dst, src *float32, n int)  (n a multiple of 8): dst[i] += src[i].
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ adddone
addloop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ addloop
adddone:
	VZEROUPPER
	RET

// func tanhGradAVX2(da, dy, y *float32, n int)  (n a multiple of 8): da[i] += dy[i]·(1 − y[i]²).
TEXT ·tanhGradAVX2(SB), NOSPLIT, $0-32
	MOVQ da+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVUPS cone<>(SB), Y15
	SHRQ $3, CX
	JZ tgdone
tgloop:
	VMOVUPS (DX), Y1
	VMOVAPS Y15, Y2
	VFNMADD231PS Y1, Y1, Y2
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ tgloop
tgdone:
	VZEROUPPER
	RET

// func axpyAVX2(dst, src *float32, n int, alpha float32)  (n a multiple of 8): dst[i] += alpha·src[i].
TEXT ·axpyAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS alpha+24(FP), Y15
	SHRQ $3, CX
	JZ axdone
axloop:
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ axloop
axdone:
	VZEROUPPER
	RET

// func dotAVX2(x, y *float32, n int) float32  (n a multiple of 8): Σ x[i]·y[i].
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ $3, CX
	JZ dotsum
dotloop:
	VMOVUPS (DI), Y1
	VFMADD231PS (SI), Y1, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ dotloop
dotsum:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	MOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func rowKernelAVX2(kc int, a *float32, ap int, b *float32, bp int, c *float32, alpha float32)
// c[j] += alpha·Σ_p a[p·ap]·b[p·bp+j] for j < 32: one row of a small product, kept in
// four accumulators across the whole depth.
TEXT ·rowKernelAVX2(SB), NOSPLIT, $0-52
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ap+16(FP), R10
	SHLQ $2, R10
	MOVQ b+24(FP), DI
	MOVQ bp+32(FP), R12
	SHLQ $2, R12
	MOVQ c+40(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ CX, CX
	JE rkdone
rkloop:
	VBROADCASTSS (SI), Y14
	VFMADD231PS (DI), Y14, Y0
	VFMADD231PS 32(DI), Y14, Y1
	VFMADD231PS 64(DI), Y14, Y2
	VFMADD231PS 96(DI), Y14, Y3
	ADDQ R10, SI
	ADDQ R12, DI
	DECQ CX
	JNZ rkloop
rkdone:
	VBROADCASTSS alpha+48(FP), Y15
	VMOVUPS (DX), Y4
	VFMADD231PS Y0, Y15, Y4
	VMOVUPS Y4, (DX)
	VMOVUPS 32(DX), Y5
	VFMADD231PS Y1, Y15, Y5
	VMOVUPS Y5, 32(DX)
	VMOVUPS 64(DX), Y6
	VFMADD231PS Y2, Y15, Y6
	VMOVUPS Y6, 64(DX)
	VMOVUPS 96(DX), Y7
	VFMADD231PS Y3, Y15, Y7
	VMOVUPS Y7, 96(DX)
	VZEROUPPER
	RET

// func dotsAVX2(k int, a, b *float32, ldb int, c *float32, n int, alpha float32)
// (k a positive multiple of 8): c[j] += alpha·Σ_p a[p]·b[j·ldb+p] for j < n, i.e. one row
// of A times the transpose of an n×k row-major B, without a call per dot product.
TEXT ·dotsAVX2(SB), NOSPLIT, $0-52
	MOVQ k+0(FP), R8
	SHRQ $3, R8
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DX
	MOVQ n+40(FP), BX
	VBROADCASTSS alpha+48(FP), X15
	TESTQ BX, BX
	JE dsdone
dsrow:
	VXORPS Y0, Y0, Y0
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ R8, CX
dsloop:
	VMOVUPS (R10), Y1
	VFMADD231PS (R11), Y1, Y0
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ CX
	JNZ dsloop
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS (DX), X2
	VFMADD231SS X0, X15, X2
	VMOVSS X2, (DX)
	ADDQ $4, DX
	ADDQ R9, DI
	DECQ BX
	JNZ dsrow
dsdone:
	VZEROUPPER
	RET

// func reluAVX2(dst, src *float32, n int)  (n a multiple of 8): dst[i] = max(src[i], 0),
// NaN passed through (VMAXPS returns its second source when either is NaN).
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
	SHRQ $3, CX
	JZ reludone
reluloop:
	VMOVUPS (SI), Y0
	VMAXPS Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ reluloop
reludone:
	VZEROUPPER
	RET

// func reluGradAVX2(da, dy, y *float32, n int)  (n a multiple of 8): da[i] += dy[i] where y[i] > 0.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ da+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y15, Y15, Y15
	SHRQ $3, CX
	JZ rgdone
rgloop:
	VMOVUPS (DX), Y1
	VCMPPS $0x1e, Y15, Y1, Y1
	VANDPS (SI), Y1, Y1
	VADDPS (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ rgloop
rgdone:
	VZEROUPPER
	RET

// func polyakAVX2(dst, src *float32, n int, tau float32)  (n a multiple of 8):
// dst[i] = dst[i] + tau·(src[i] − dst[i]), rounded after each operation (no FMA).
TEXT ·polyakAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS tau+24(FP), Y15
	SHRQ $3, CX
	JZ polyakdone
polyakloop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VSUBPS Y0, Y1, Y1
	VMULPS Y15, Y1, Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ polyakloop
polyakdone:
	VZEROUPPER
	RET
