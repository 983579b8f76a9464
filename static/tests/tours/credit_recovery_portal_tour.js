/** @odoo-module **/

import { waitUntil } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";

/**
 * Draw a stroke on the signature pad as a finger would: pointer events on the canvas.
 * signature_pad listens to pointerdown/pointermove on the canvas and pointerup on the document.
 */
async function drawSignature(canvas) {
    const rect = canvas.getBoundingClientRect();
    const point = (x, y) => ({
        bubbles: true,
        cancelable: true,
        pointerId: 1,
        pointerType: "pen",
        isPrimary: true,
        buttons: 1,
        clientX: rect.left + rect.width * x,
        clientY: rect.top + rect.height * y,
    });
    canvas.dispatchEvent(new PointerEvent("pointerdown", point(0.1, 0.6)));
    for (let step = 1; step <= 20; step++) {
        // signature_pad throttles moves (16 ms): wait between them as a hand does.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const x = 0.1 + 0.04 * step;
        canvas.dispatchEvent(new PointerEvent("pointermove", point(x, 0.6 - 0.3 * Math.sin(step))));
    }
    canvas.ownerDocument.dispatchEvent(new PointerEvent("pointerup", { ...point(0.9, 0.5), buttons: 0 }));
}

// Opened by tests/test_portal_http.py on the personal link of a rendered collection e-mail.
registry.category("web_tour.tours").add("credit_recovery_portal_tour", {
    steps: () => [
        {
            content: "No amount before the identity check",
            trigger: "form.o_credit_recovery_identity",
            run() {
                if (document.querySelector(".o_credit_recovery_total")) {
                    throw new Error("An amount is shown before the CPF/CNPJ check");
                }
            },
        },
        {
            content: "Type the private digits of the CPF (first 3, last 2)",
            trigger: "form.o_credit_recovery_identity input[name=digits]",
            run: "edit 12309",
        },
        {
            content: "Continue",
            trigger: "form.o_credit_recovery_identity button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The updated total: principal, fine and interest of today",
            trigger: ".o_credit_recovery_total:contains(\"1,344.00\")",
        },
        {
            content: "The CPF is masked",
            trigger: "p:contains(\"***.456.789-**\")",
        },
        {
            content: "The PIX code of the total is a BR Code",
            trigger: "section .o_credit_recovery_pix textarea.o_credit_recovery_pix_code",
            run() {
                const code = this.anchor.value;
                if (!code.startsWith("000201") || !code.includes("br.gov.bcb.pix")) {
                    throw new Error(`Not a PIX BR Code: ${code}`);
                }
            },
        },
        {
            content: "Copy the PIX code",
            trigger: "section > .o_credit_recovery_pix .o_credit_recovery_copy",
            run: "click",
        },
        {
            content: "The page says it is copied",
            trigger: "section > .o_credit_recovery_pix .o_credit_recovery_copy.o_copied",
        },
        {
            content: "Choose 4 installments in the offer '3x without interest'",
            trigger: ".o_credit_recovery_offers form:has(strong:contains(without interest)) input[name=installments]",
            run: "edit 4",
        },
        {
            content: "See the terms",
            trigger: ".o_credit_recovery_offers form:has(strong:contains(without interest)) button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The terms of the offer, four installments, no problem",
            trigger: ".o_credit_recovery_offer_total",
            run() {
                if (document.querySelector(".alert-warning")) {
                    throw new Error("The offer is refused: " + document.querySelector(".alert-warning").innerText);
                }
            },
        },
        {
            content: "Accept and sign",
            trigger: ".o_credit_recovery_sign_open",
            run: "click",
        },
        {
            content: "The name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Maria Silva)",
        },
        {
            content: "Draw the signature",
            trigger: ".modal .o_web_sign_draw_button",
            run: "click",
        },
        {
            content: "Sign with the finger",
            trigger: ".modal canvas.o_web_sign_signature",
            async run() {
                const canvas = this.anchor;
                await drawSignature(canvas);
                await waitUntil(() => {
                    const context = canvas.getContext("2d");
                    const pixels = new Uint32Array(
                        context.getImageData(0, 0, canvas.width, canvas.height).data.buffer
                    );
                    return pixels.some((pixel) => pixel !== 0);
                });
            },
        },
        {
            content: "Submit",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirmed: the agreement is on the page",
            trigger: ".alert-success:contains(agreement is confirmed)",
        },
        {
            content: "The agreement in progress with its terms",
            trigger: ".o_credit_recovery_agreement a:contains(terms)",
        },
    ],
});
